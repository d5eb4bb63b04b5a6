"""Peak memory of forward + backward through a chain of blocks, checkpointed or not.

Each block is 50 steps of x = tanh(x * w_k + b_k) with its own parameters; the chain
is `--blocks` blocks long. Measured with tracemalloc (peak bytes while the loss is
built and differentiated), each way three times, interleaved; the gradients of
both ways are compared too.

Run: python benchmarks/checkpoint_memory.py [--blocks N]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
import tracemalloc

from autograd import Value, checkpoint, ops

STEPS = 50


def make_blocks(n_blocks: int) -> list:
    blocks = []
    for k in range(n_blocks):
        ws = [Value(0.9 + 0.001 * ((k + i) % 7)) for i in range(STEPS)]
        bs = [Value(0.01 * ((k * i) % 5)) for i in range(STEPS)]

        def block(x, ws=ws, bs=bs):
            for w, b in zip(ws, bs):
                x = ops.tanh(x * w + b)
            return x

        blocks.append((block, ws + bs))
    return blocks


def run(blocks: list, checkpointed: bool) -> tuple[int, float, list]:
    params = [p for _, ps in blocks for p in ps]
    for p in params:
        p.grad = 0.0
    gc.collect()
    tracemalloc.start()
    t0 = time.perf_counter()
    x = Value(0.5)
    for block, _ in blocks:
        x = checkpoint(block)(x) if checkpointed else block(x)
    x.backward()
    seconds = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak, seconds, [p.grad for p in params]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=200)
    args = parser.parse_args(argv)
    blocks = make_blocks(args.blocks)
    peaks: dict[bool, list] = {False: [], True: []}
    times: dict[bool, list] = {False: [], True: []}
    grads = {}
    for _ in range(3):
        for way in (False, True):
            peak, seconds, grads[way] = run(blocks, way)
            peaks[way].append(peak)
            times[way].append(seconds)
    same = max(abs(a - b) for a, b in zip(grads[False], grads[True]))
    nodes = args.blocks * STEPS * 3
    print(f"chain of {args.blocks} blocks x {STEPS} steps ({nodes} nodes), median of 3:")
    for way, label in ((False, "kept"), (True, "checkpointed")):
        mb = statistics.median(peaks[way]) / 1e6
        ms = statistics.median(times[way]) * 1e3
        print(f"  {label:13s} peak {mb:8.2f} MB   time {ms:8.1f} ms")
    ratio = statistics.median(peaks[False]) / statistics.median(peaks[True])
    print(f"  memory ratio {ratio:.1f}x; largest gradient difference {same:.1e}")


if __name__ == "__main__":
    main()
