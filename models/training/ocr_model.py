"""CRNN plate reader: conv feature extractor -> BiLSTM over columns -> CTC log-softmax.

Input [N,1,32,128] grey 0..1; output [N,32,37] log-probabilities (T=32 time steps, one per
4 input columns: >= 3 steps per character for up to 10 characters, which leaves room for the
blank CTC needs between two equal neighbouring characters).
"""
import torch
import torch.nn as nn

import contract as C


def conv_bn(cin, cout, k=3, pad=1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, padding=pad, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class CRNN(nn.Module):
    def __init__(self, n_classes=len(C.CHARSET) + 1, hidden=64):
        super().__init__()
        self.features = nn.Sequential(
            conv_bn(1, 32), nn.MaxPool2d(2),                        # 16 x 64
            conv_bn(32, 64), nn.MaxPool2d(2),                       # 8 x 32
            conv_bn(64, 96), conv_bn(96, 96), nn.MaxPool2d((2, 1)),  # 4 x 32
            conv_bn(96, 128), nn.MaxPool2d((2, 1)),                 # 2 x 32
            conv_bn(128, 128, k=(2, 3), pad=(0, 1)),                # 1 x 32
        )
        self.rnn = nn.LSTM(128, hidden, bidirectional=True, batch_first=True)
        self.head = nn.Linear(2 * hidden, n_classes)

    def forward(self, x):
        f = self.features(x)                   # [N,128,1,T]
        f = f.flatten(2).permute(0, 2, 1)      # [N,T,128]
        f, _ = self.rnn(f)
        return torch.log_softmax(self.head(f), dim=2)  # [N,T,C]
