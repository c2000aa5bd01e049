"""What a spec costs and what a model does: analytic cost, summary, budget; attention capture."""
