"""Plate reader: convolutional CTC model (LPRNet-like, no recurrence).

Input [N,1,32,128] grey 0..1; output [N,32,37] log-probabilities (T=32 time steps, one per
4 input columns: >= 3 steps per character for up to 10 characters, which leaves room for the
blank CTC needs between two equal neighbouring characters).

A 2-D conv stack collapses the height to 1, then 1-D convs along the columns (dilated, so each
step sees about two characters either side) replace a BiLSTM: on this CPU the many tiny LSTM
steps cost more than all the convolutions together, in training and at inference.
"""
import torch
import torch.nn as nn

import contract as C


def conv_bn(cin, cout, k=3, pad=1, dil=1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, padding=pad, dilation=dil, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class PlateOCR(nn.Module):
    def __init__(self, n_classes=len(C.CHARSET) + 1):
        super().__init__()
        # Channel widths are kept small at high resolution (~17M MACs per crop).
        self.features = nn.Sequential(
            conv_bn(1, 16), nn.MaxPool2d(2),                        # 16 x 64
            conv_bn(16, 32), nn.MaxPool2d(2),                       # 8 x 32
            conv_bn(32, 48), nn.MaxPool2d((2, 1)),                  # 4 x 32
            conv_bn(48, 64), nn.MaxPool2d((2, 1)),                  # 2 x 32
            conv_bn(64, 96, k=(2, 3), pad=(0, 1)),                  # 1 x 32
        )
        self.sequence = nn.Sequential(
            conv_bn(96, 128, k=(1, 3), pad=(0, 1)),
            conv_bn(128, 128, k=(1, 3), pad=(0, 2), dil=(1, 2)),
            conv_bn(128, 128, k=(1, 3), pad=(0, 4), dil=(1, 4)),
            nn.Dropout(0.1),
        )
        self.head = nn.Conv2d(128, n_classes, 1)

    def forward(self, x):
        f = self.head(self.sequence(self.features(x)))  # [N,C,1,T]
        f = f.flatten(2).permute(0, 2, 1)                 # [N,T,C]
        return torch.log_softmax(f, dim=2)
