"""Per-layer wall time of torchvision inception_v3 (random weights, fc removed, eval) from forward hooks, to set
beside InferenceNetProfileMain. Intra-op threads: THREADS (default 1). Usage: torch_inception_layers.py BATCH RES [THREADS]"""
import sys, time, torch, torchvision
torch.set_num_threads(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
b, r = int(sys.argv[1]), int(sys.argv[2])
net = torchvision.models.inception_v3(weights=None, aux_logits=True, init_weights=False); net.fc = torch.nn.Identity(); net.eval()
x = torch.rand(b, 3, r, r) * 2 - 1
times = {}
def hook(name):
    def pre(m, i): times.setdefault(name, [0.0, None]); times[name][1] = time.perf_counter()
    def post(m, i, o): times[name][0] += time.perf_counter() - times[name][1]
    return pre, post
for name, m in net.named_modules():
    if isinstance(m, (torch.nn.Conv2d, torch.nn.BatchNorm2d)) or type(m).__name__ in ("BasicConv2d",):
        pre, post = hook(name); m.register_forward_pre_hook(pre); m.register_forward_hook(post)
with torch.no_grad():
    net(x); net(x)
    for k in times: times[k][0] = 0
    t = time.perf_counter(); c = time.thread_time()
    for _ in range(3): net(x)
    s = (time.perf_counter() - t) / 3; cpu = (time.thread_time() - c) / 3
print(f"torch b={b} r={r} ms/batch={s*1000:.1f} cpu={cpu*1000:.1f} img/s={b/s:.2f}")
basic = {k: v[0] / 3 * 1000 for k, v in times.items() if k.count('.') <= 1 and not k.endswith('.conv') and not k.endswith('.bn')}
conv = {k: v[0] / 3 * 1000 for k, v in times.items() if k.endswith('.conv')}
bn = sum(v[0] for k, v in times.items() if k.endswith('.bn')) / 3 * 1000
print(f"sum BasicConv2d {sum(basic.values()):.1f} ms, conv {sum(conv.values()):.1f}, bn {bn:.1f}")
for k, v in sorted(conv.items(), key=lambda kv: -kv[1])[:25]:
    m = dict(net.named_modules())[k]
    print(f"  {v:7.1f} ms {k} {m.in_channels}->{m.out_channels} k={m.kernel_size} s={m.stride}")
