"""Images/s of torchvision's inception_v3 (random weights: same arithmetic as pretrained) on CPU,
pooled features (fc removed), as the reference feeds it: r x r directly, 3 channels, eval mode.
Wall clock, CPU seconds of the calling thread (with one intra-op thread all arithmetic runs on it) and of the
whole process. Intra-op threads: $OMP_NUM_THREADS (default 1).
Usage: torch_inception.py BATCH IMAGES RES..."""
import os, sys, time
import torch, torchvision
threads = int(os.environ.get("OMP_NUM_THREADS", "1"))
torch.set_num_threads(threads)
batch, count, res = int(sys.argv[1]), int(sys.argv[2]), [int(r) for r in sys.argv[3:]]
net = torchvision.models.inception_v3(weights=None, aux_logits=True, init_weights=False)
net.fc = torch.nn.Identity()
net.eval()
with torch.no_grad():
    for r in res:
        x = torch.rand(batch, 3, r, r) * 2 - 1
        net(x)  # warm-up
        t, c, p = time.perf_counter(), time.thread_time(), time.process_time()
        for _ in range(count // batch):
            f = net(x)
        s, cpu, process = time.perf_counter() - t, time.thread_time() - c, time.process_time() - p
        print(f"torch {torch.__version__} torchvision {torchvision.__version__} inception_v3 r={r} threads={threads} batch={batch} "
              f"images={count} seconds={s:.2f} images_per_s={count / s:.2f} cpu_seconds={cpu:.2f} "
              f"images_per_cpu_s={count / cpu:.2f} process_cpu_seconds={process:.2f} dim={f.shape[1]}")
