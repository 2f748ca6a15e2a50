"""PyTorch CPU re-implementation of the policy's score graph and the TimerPO update, for
bench/learner-update.ts only (never a runtime dependency). A faithful copy of
shared/policy/model.ts (model-layers.ts, onnx/blocks.ts, onnx/layers.ts) and
shared/policy/timerpo-loss.ts: the same parameters by name, the same formulas.

    /usr/bin/python3 bench/torch_update.py BATCH.safetensors REPEATS

Reads the weights and batches the TypeScript bench wrote, runs `REPEATS` timed updates
(forward + backward + global-norm clip + AdamW, 1 thread) of the padded batch and of the
bucketed batch, and prints one JSON line: losses, gradient norms and CPU seconds.
"""
import json
import math
import struct
import sys
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(1)
DTYPES = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64, "U8": torch.uint8}


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    meta = header.pop("__metadata__", {})
    base = 8 + n
    out = {}
    for name, t in header.items():
        a, b = t["data_offsets"]
        buf = bytearray(raw[base + a : base + b])
        out[name] = torch.frombuffer(buf, dtype=DTYPES[t["dtype"]]).reshape(t["shape"]) if b > a else torch.zeros(t["shape"], dtype=DTYPES[t["dtype"]])
    return out, meta


class Policy:
    """shared/policy/model.ts: encoder, memory views, pointer-aware embedding, decoder, head."""

    def __init__(self, cfg, params):
        self.cfg = cfg
        self.p = params  # name -> leaf tensor with requires_grad

    def ln(self, x, pre):
        return F.layer_norm(x, (x.shape[-1],), self.p[pre + ".g"], self.p[pre + ".b"], 1e-5)

    def heads(self, x, w):  # (B, T, d) @ w -> (B, H, T, Dh)
        B, T, d = x.shape
        H = self.cfg["heads"]
        return (x @ w).reshape(B, T, H, d // H).transpose(1, 2)

    def attend(self, x, k, v, pre, mask=None):  # attendAll / causal attend
        d = x.shape[-1]
        q = self.heads(x, self.p[pre + ".wq"])
        scores = (q @ k.transpose(-1, -2)) * (1.0 / math.sqrt(d // self.cfg["heads"]))
        if mask is not None:
            scores = scores.masked_fill(~mask, -1e9)
        o = (scores.softmax(-1) @ v).transpose(1, 2).reshape(x.shape[0], x.shape[1], d)
        return o @ self.p[pre + ".wo"]

    def mlp(self, x, pre):
        h = F.gelu(x @ self.p[pre + ".w1"] + self.p[pre + ".b1"], approximate="tanh")
        return h @ self.p[pre + ".w2"] + self.p[pre + ".b2"]

    def encoder(self, feats):
        p = self.p
        x = feats @ p["enc.patch.w"] + p["enc.patch.b"] + p["enc.pos"]
        for i in range(self.cfg["encLayers"]):
            h = self.ln(x, f"enc.{i}.ln1")
            pre = f"enc.{i}.attn"
            x = x + self.attend(h, self.heads(h, p[pre + ".wk"]), self.heads(h, p[pre + ".wv"]), pre)
            x = x + self.mlp(self.ln(x, f"enc.{i}.ln2"), f"enc.{i}.mlp")
        return self.ln(x, "enc.ln")

    def score(self, memory, row_prompt, inputs, targets, positions, mask_add):
        """memory (N, P, d) per prompt, gathered to rows; returns logp, entropy (B, T)."""
        p, cfg = self.p, self.cfg
        V = cfg["vocabSize"]
        cross = [(self.heads(memory, p[f"dec.{i}.cross.wk"])[row_prompt], self.heads(memory, p[f"dec.{i}.cross.wv"])[row_prompt]) for i in range(cfg["decLayers"])]
        ptr_in = (memory @ p["dec.ptr.in"])[row_prompt]
        ptr_keys = (memory @ p["dec.ptr.k"])[row_prompt]
        text = p["dec.tok"][inputs.clamp(max=V - 1)]
        ptr_idx = (inputs - V).clamp(min=0).unsqueeze(2).expand(-1, -1, text.shape[2])
        x = torch.where((inputs >= V).unsqueeze(2), ptr_in.gather(1, ptr_idx), text) + p["dec.pos"][positions]
        T = inputs.shape[1]
        causal = torch.ones(T, T, dtype=torch.bool).tril()
        for i in range(cfg["decLayers"]):
            h = self.ln(x, f"dec.{i}.ln1")
            pre = f"dec.{i}.self"
            x = x + self.attend(h, self.heads(h, p[pre + ".wk"]), self.heads(h, p[pre + ".wv"]), pre, causal)
            x = x + self.attend(self.ln(x, f"dec.{i}.ln2"), cross[i][0], cross[i][1], f"dec.{i}.cross")
            x = x + self.mlp(self.ln(x, f"dec.{i}.ln3"), f"dec.{i}.mlp")
        hidden = self.ln(x, "dec.ln")
        logits_text = hidden @ p["dec.out.w"] + p["dec.out.b"]
        logits_ptr = ((hidden @ p["dec.ptr.q"]) @ ptr_keys.transpose(1, 2)) * (1.0 / math.sqrt(cfg["width"]))
        lp = (torch.cat([logits_text, logits_ptr], 2) + mask_add).log_softmax(-1)
        logp = lp.gather(2, targets.unsqueeze(2)).squeeze(2)
        entropy = -(lp.exp() * lp).sum(2)
        return logp, entropy


def timerpo_loss(logp, entropy, b, coefs, count):
    """shared/policy/timerpo-loss.ts, the sum over this batch divided by `count`."""
    rho = (logp - b["logp_old"]).exp()
    adv = b["advantage"]
    eps = coefs["clipEps"]
    sur = torch.minimum(rho * adv, rho.clamp(1 - eps, 1 + eps) * adv)
    d = b["logp_ref"] - logp
    kl = d.exp() - d - 1
    per = -sur + coefs["klCoef"] * kl - coefs["entropyCoef"] * entropy
    return (per * b["response_mask"]).sum() / count


def batches(t, prefix):
    ks = sorted({k.split(".")[1] for k in t if k.startswith(prefix + ".")}, key=int)
    return [{k.split(".", 2)[2]: v for k, v in t.items() if k.startswith(f"{prefix}.{i}.")} for i in ks]


def main():
    tensors, meta = read_safetensors(sys.argv[1])
    repeats = int(sys.argv[2])
    cfg = json.loads(meta["config"])
    coefs = json.loads(meta["loss"])
    optim = json.loads(meta["optim"])
    names = json.loads(meta["params"])
    decayed = set(json.loads(meta["decayed"]))
    init = {n: tensors["param." + n] for n in names}
    padded = batches(tensors, "padded")
    bucketed = batches(tensors, "bucket")
    features_rows = tensors["features.rows"]
    features_prompts = tensors["features.prompts"]
    identity = torch.arange(features_rows.shape[0])

    def update(kind):
        params = {n: init[n].clone().requires_grad_(True) for n in names}
        model = Policy(cfg, params)
        opt = torch.optim.AdamW(
            [{"params": [params[n] for n in names if n in decayed], "weight_decay": optim["weightDecay"]}, {"params": [params[n] for n in names if n not in decayed], "weight_decay": 0.0}],
            lr=optim["lr"],
            betas=tuple(optim["betas"]),
            eps=optim["eps"],
        )
        t0 = time.process_time()
        if kind == "padded":  # one padded batch, the encoder once per row (the plain path's layout)
            b = padded[0]
            memory = model.encoder(features_rows)
            logp, ent = model.score(memory, identity, b["inputs"], b["targets"], b["positions"], b["mask_add"])
            loss = timerpo_loss(logp, ent, b, coefs, b["response_mask"].sum().clamp(min=1))
            loss.backward()
        else:  # the encoder once per prompt, then each length bucket (the bucketed path's layout)
            memory = model.encoder(features_prompts)
            count = sum(b["response_mask"].sum() for b in bucketed).clamp(min=1)
            loss = 0.0
            for b in bucketed:
                logp, ent = model.score(memory, b["row_prompt"], b["inputs"], b["targets"], b["positions"], b["mask_add"])
                loss = loss + timerpo_loss(logp, ent, b, coefs, count)
            loss.backward()
        norm = torch.nn.utils.clip_grad_norm_([params[n] for n in names], optim["gradClip"])
        opt.step()
        return time.process_time() - t0, float(loss), float(norm)

    out = {"torch": torch.__version__, "threads": torch.get_num_threads()}
    for kind in ["padded", "bucketed"]:
        update(kind)  # warm-up
        runs = [update(kind) for _ in range(repeats)]
        out[kind] = {"seconds": sorted(r[0] for r in runs)[len(runs) // 2], "all": [r[0] for r in runs], "loss": runs[0][1], "gradNorm": runs[0][2]}
    print(json.dumps(out))


main()
