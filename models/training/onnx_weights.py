"""Read the weights of an exported ONNX file back into a PyTorch model, without the onnx package.

The ONNX file is a protobuf (onnx.proto3): ModelProto.graph (field 7) -> GraphProto.node (1) and
.initializer (5); NodeProto.input (1) / op_type (4); TensorProto dims (1), data_type (2),
float_data (4), name (8), raw_data (9). Only float32 initializers are needed here.

torch.onnx.export in eval mode folds every BatchNorm into the convolution before it, so the file
holds Conv weight + bias pairs. `load_plate_ocr` puts those into PlateOCR's conv layers and sets
each BatchNorm to the identity carrying the folded bias (running mean 0, running variance 1 - eps,
weight 1): the loaded model computes exactly what the ONNX file computes. Fine-tuning must then
keep the BatchNorms in eval mode (`freeze_bn`), because batch statistics would undo the folding.
"""
import struct

import numpy as np
import torch


def _varint(buf, i):
    v, shift = 0, 0
    while True:
        b = buf[i]
        i += 1
        v |= (b & 0x7F) << shift
        if b < 0x80:
            return v, i
        shift += 7


def _fields(buf):
    """Yield (field number, wire type, value) of one protobuf message."""
    i, n = 0, len(buf)
    while i < n:
        key, i = _varint(buf, i)
        f, wt = key >> 3, key & 7
        if wt == 0:
            v, i = _varint(buf, i)
        elif wt == 1:
            v = buf[i:i + 8]
            i += 8
        elif wt == 2:
            ln, i = _varint(buf, i)
            v = buf[i:i + ln]
            i += ln
        elif wt == 5:
            v = buf[i:i + 4]
            i += 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wt}")
        yield f, wt, v


def _tensor(buf):
    dims, dtype, name, raw, floats = [], None, None, None, []
    for f, wt, v in _fields(buf):
        if f == 1:
            if wt == 2:  # packed
                j = 0
                while j < len(v):
                    d, j = _varint(v, j)
                    dims.append(d)
            else:
                dims.append(v)
        elif f == 2:
            dtype = v
        elif f == 4:
            floats += list(struct.unpack(f"<{len(v) // 4}f", v)) if wt == 2 else [struct.unpack("<f", v)[0]]
        elif f == 8:
            name = bytes(v).decode()
        elif f == 9:
            raw = bytes(v)
    if dtype != 1:
        return name, None
    arr = np.frombuffer(raw, "<f4").copy() if raw is not None else np.array(floats, np.float32)
    return name, arr.reshape(dims) if dims else arr


def read_onnx(path):
    """-> (nodes [(op_type, [inputs])] in graph order, {initializer name: float32 array})."""
    data = open(path, "rb").read()
    graph = next(bytes(v) for f, _, v in _fields(data) if f == 7)
    nodes, inits = [], {}
    for f, _, v in _fields(graph):
        if f == 1:
            ins, op = [], None
            for nf, _, nv in _fields(bytes(v)):
                if nf == 1:
                    ins.append(bytes(nv).decode())
                elif nf == 4:
                    op = bytes(nv).decode()
            nodes.append((op, ins))
        elif f == 5:
            name, arr = _tensor(bytes(v))
            if arr is not None:
                inits[name] = arr
    return nodes, inits


def load_plate_ocr(model, path):
    """Copy the Conv weights of an exported PlateOCR ONNX file into `model` (see module doc)."""
    nodes, inits = read_onnx(path)
    convs = [(ins[1], ins[2] if len(ins) > 2 else None) for op, ins in nodes if op == "Conv"]
    mods = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    if len(convs) != len(mods):
        raise ValueError(f"{path}: {len(convs)} Conv nodes, model has {len(mods)} conv layers")
    bns = {}
    seq = list(model.modules())
    for i, m in enumerate(seq):  # the BatchNorm that follows each bias-free conv
        if isinstance(m, torch.nn.Conv2d) and m.bias is None:
            bns[id(m)] = next(n for n in seq[i + 1:] if isinstance(n, torch.nn.BatchNorm2d))
    with torch.no_grad():
        for (wname, bname), m in zip(convs, mods):
            w = torch.from_numpy(inits[wname])
            if tuple(w.shape) != tuple(m.weight.shape):
                raise ValueError(f"{wname}: shape {tuple(w.shape)} != {tuple(m.weight.shape)}")
            m.weight.copy_(w)
            b = torch.from_numpy(inits[bname]) if bname else torch.zeros(m.weight.shape[0])
            if m.bias is not None:
                m.bias.copy_(b)
            else:
                bn = bns[id(m)]
                bn.weight.fill_(1.0)
                bn.bias.copy_(b)
                bn.running_mean.zero_()
                bn.running_var.fill_(1.0 - bn.eps)
    return model


def freeze_bn(model):
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.eval()
    return model
