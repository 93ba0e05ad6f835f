"""lab_tiny: a small plain CNN. The contract is only images (B,3,H,W) -> feature map (B,C,h,w);
mahm-search finds C and the stride itself."""

from torch import nn


def lab_tiny(width: int = 16, depth: int = 4):
    layers, cin = [], 3
    for i in range(depth):  # each block halves the side: stride 2**depth
        cout = width * 2 ** min(i, 3)
        layers += [nn.Conv2d(cin, cout, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]
        cin = cout
    return nn.Sequential(*layers)
