"""One shipped spec of each structure (block kind, attention, BAM, stem, head conv, branches
written out, select by sum): what the default run checks where a check of every shipped spec
is a slow test."""

STRUCTURES = (
    "sknet26",
    "resnext50_cbam",
    "senet50",
    "resnext50_bam",
    "shufflenetv2_x0_5_sk",
    "shufflenetv2_x0_5_se",
    "sknet29",
    "skresnet18",
    "ablations/k3_k5_k7_sum",
)
