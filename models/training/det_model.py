"""Plate detector: small fully-convolutional CenterNet-style net on greyscale frames.

Backbone of plain 3x3 convs down to stride 32, a light top-down path (nearest 2x upsampling +
lateral 1x1 convs) back to stride 4, then two heads at stride 4:
  heatmap [N,1,H/4,W/4]  sigmoid-ed plate-centre probability,
  corners [N,8,H/4,W/4]  TL,TR,BR,BL (x,y) relative to the cell centre, divided by corner_scale.
Any H, W that are multiples of 32 work (the exported graph has dynamic H/W).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


def cbr(cin, cout, stride=1):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class PlateDetector(nn.Module):
    def __init__(self, c=(16, 24, 40, 64, 96), neck=32, fine=16):
        super().__init__()
        c1, c2, c3, c4, c5 = c
        # Compute is concentrated at low resolution: at stride 4 only one 24-channel conv in the
        # backbone and one 16-channel conv in the top-down path (~0.33 GMAC at 640x384).
        self.s2 = cbr(1, c1, 2)                                 # /2
        self.s4 = cbr(c1, c2, 2)                                # /4
        self.s8 = nn.Sequential(cbr(c2, c3, 2), cbr(c3, c3))    # /8
        self.s16 = nn.Sequential(cbr(c3, c4, 2), cbr(c4, c4))   # /16
        self.s32 = nn.Sequential(cbr(c4, c5, 2), cbr(c5, c5))   # /32
        self.l32 = nn.Conv2d(c5, neck, 1)
        self.l16 = nn.Conv2d(c4, neck, 1)
        self.l8 = nn.Conv2d(c3, neck, 1)
        self.l4 = nn.Conv2d(c2, fine, 1)
        self.m16 = cbr(neck, neck)
        self.m8 = cbr(neck, neck)
        self.r8 = nn.Conv2d(neck, fine, 1)
        self.m4 = nn.Sequential(cbr(fine, fine), cbr(fine, fine))
        self.heat = nn.Conv2d(fine, 1, 1)
        self.corners = nn.Conv2d(fine, 8, 1)
        nn.init.constant_(self.heat.bias, -4.0)  # CenterNet prior: start with almost no peaks

    def forward(self, x):
        x4 = self.s4(self.s2(x))
        x8 = self.s8(x4)
        x16 = self.s16(x8)
        x32 = self.s32(x16)
        up = lambda t: F.interpolate(t, scale_factor=2.0, mode="nearest")
        p = self.l32(x32)
        p = self.m16(up(p) + self.l16(x16))
        p = self.m8(up(p) + self.l8(x8))
        p = self.m4(up(self.r8(p)) + self.l4(x4))
        return torch.sigmoid(self.heat(p)), self.corners(p)
