# An independent float64 forward pass of a llama GGUF (weights dequantized by gguf-py),
# teacher-forced along llama.cpp's greedy ids: how far llama.cpp's logits are from plain
# float activations, and whether the argmax agrees at every step.
#   python3 numpy-check.py MODEL.gguf OUT.greedy-raw.json OUT.logits.f32.bin
import json
import sys

import numpy as np
from gguf import GGUFReader
from gguf.quants import dequantize


def main(model, raw, logits_file):
    r = GGUFReader(model)
    meta = {k: f.parts[f.data[0]] for k, f in r.fields.items() if f.data}
    scalar = lambda k: meta[k][0].item()
    n_layer, n_head, n_kv = scalar("llama.block_count"), scalar("llama.attention.head_count"), scalar("llama.attention.head_count_kv")
    eps = scalar("llama.attention.layer_norm_rms_epsilon")
    base = scalar("llama.rope.freq_base") if "llama.rope.freq_base" in meta else 10000.0
    W = {t.name: dequantize(t.data, t.tensor_type).astype(np.float64).reshape([int(x) for x in reversed(t.shape)]) for t in r.tensors}
    dim = W["token_embd.weight"].shape[1]
    hs = dim // n_head
    ref = json.load(open(raw))
    tokens = ref["prompt_ids"] + ref["generated_ids"]
    theirs = np.fromfile(logits_file, "<f4").reshape(ref["logits_shape"])

    def rms(x, w):
        return x / np.sqrt(np.mean(x * x) + eps) * w

    def rope(x, pos):  # llama.cpp's NORM rope: adjacent pairs
        x = x.reshape(-1, hs // 2, 2)
        theta = pos * base ** (-np.arange(0, hs, 2) / hs)
        c, s = np.cos(theta), np.sin(theta)
        out = np.empty_like(x)
        out[..., 0] = x[..., 0] * c - x[..., 1] * s
        out[..., 1] = x[..., 0] * s + x[..., 1] * c
        return out.reshape(-1)

    kc = [[] for _ in range(n_layer)]
    vc = [[] for _ in range(n_layer)]
    worst, argmax_ok = 0.0, True
    n_prompt = len(ref["prompt_ids"])
    for pos in range(len(tokens) - 1):
        x = W["token_embd.weight"][tokens[pos]].copy()
        for l in range(n_layer):
            p = f"blk.{l}."
            h = rms(x, W[p + "attn_norm.weight"])
            q = rope(W[p + "attn_q.weight"] @ h, pos).reshape(n_head, hs)
            kc[l].append(rope(W[p + "attn_k.weight"] @ h, pos).reshape(n_kv, hs))
            vc[l].append((W[p + "attn_v.weight"] @ h).reshape(n_kv, hs))
            K, V = np.stack(kc[l]), np.stack(vc[l])
            out = np.empty((n_head, hs))
            for head in range(n_head):
                g = head // (n_head // n_kv)
                a = K[:, g] @ q[head] / np.sqrt(hs)
                a = np.exp(a - a.max())
                out[head] = (a / a.sum()) @ V[:, g]
            x = x + W[p + "attn_output.weight"] @ out.reshape(-1)
            h = rms(x, W[p + "ffn_norm.weight"])
            gate = W[p + "ffn_gate.weight"] @ h
            x = x + W[p + "ffn_down.weight"] @ (gate / (1 + np.exp(-gate)) * (W[p + "ffn_up.weight"] @ h))
        step = pos - (n_prompt - 1)
        if step < 0:
            continue
        logits = W["output.weight"] @ rms(x, W["output_norm.weight"])
        worst = max(worst, float(np.abs(logits - theirs[step]).max()))
        argmax_ok = argmax_ok and int(logits.argmax()) == ref["generated_ids"][step]
    print(json.dumps({"argmax_matches_all_steps": argmax_ok, "max_abs_logit_diff_vs_llama_cpp": worst}))


main(*sys.argv[1:])
