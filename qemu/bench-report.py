#!/usr/bin/env python3
"""bench-report.py DIR: tabulate DIR/icount.txt and DIR/wall.txt (lines
"case variant value", a figure repeated once per run) into DIR/results.md, DIR/results.csv and DIR/scale.png.
icount figures are guest instructions per operation; wall figures are
nanoseconds per operation under TCG (indicative only)."""
import os
import statistics
import subprocess
import sys


def load(path):
    """Each figure; one measured in several runs is their median (case 8's
    interrupts and doorbells move by a quarter from run to run: QEMU's
    device work is timed by the host, not by the guest's instructions)."""
    runs = {}
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3:
                runs.setdefault((parts[0], parts[1]), []).append(float(parts[2]))
    return {key: statistics.median(v) for key, v in runs.items()}


def main():
    d = sys.argv[1]
    ic, wall = load(os.path.join(d, 'icount.txt')), load(os.path.join(d, 'wall.txt'))
    rows = []  # (case, nbpool key, baseline key, goal text, goal test on ratio)

    def ratio_row(name, nb, base, goal, ok):
        n, b = ic.get(nb), ic.get(base)
        r = n / b if n and b else None
        rows.append((name, n, b, r, goal, None if r is None else ok(r),
                     wall.get(nb), wall.get(base)))

    ratio_row('1. alloc+free, owning NAPI (nbpool vs page_pool)',
              ('single', 'nbpool'), ('single', 'page_pool'), '<= 1.0x', lambda r: r <= 1.0)
    ratio_row('2. bulk 64, per packet (vs page_pool single)',
              ('bulk64', 'nbpool'), ('single', 'page_pool'), '<= 0.5x', lambda r: r <= 0.5)
    ratio_row('3. free from another CPU (nbpool vs page_pool ring)',
              ('remote_free', 'nbpool'), ('remote_free', 'page_pool'), '<= 1.0x', lambda r: r <= 1.0)
    ratio_row('3. (for reference) the same from a pool without a NAPI',
              ('remote_free', 'nbpool_locked'), ('remote_free', 'page_pool'), 'none', lambda r: None)
    ratio_row('4. nbpool alloc+free vs dev_alloc_pages+dma_map+unmap+put (strict IOMMU)',
              ('single', 'nbpool'), ('map_per_packet', 'dev_alloc_dma_map'), '>= 50x cheaper',
              lambda r: r <= 1 / 50)
    ratio_row('9. RX life of a buffer in the NAPI poll: alloc, skb, stack frees it, back (vs page_pool)',
              ('lend', 'nbpool'), ('lend', 'page_pool'), 'report', lambda r: None)
    ratio_row('10. 9000-byte RX frame to an skb and back: chain of 2048-byte buffers vs one 16 KiB buffer, per frame',
              ('rx9000', 'chain_of_2048'), ('rx9000', 'one_16k'), 'report', lambda r: None)
    ratio_row('11. XDP_DROP, the driver\'s part per frame: describe, drop, post again (vs page_pool)',
              ('xdp_drop', 'nbpool'), ('xdp_drop', 'page_pool'), '<= 1.0x', lambda r: r <= 1.0)
    for size in (64, 1500, 9000):
        k = f'tx{size}'
        n, b = wall.get((k, 'nbpool_copy')), wall.get((k, 'dma_map_single'))
        rows.append((f'5. TX {size} B: copy into pool vs dma_map_single+unmap (wall ns)',
                     ic.get((k, 'nbpool_copy')), ic.get((k, 'dma_map_single')),
                     n / b if n and b else None, 'report crossover (judged by wall)', None, n, b))
    scale = sorted((int(c[5:]), v) for (c, var), v in ic.items() if c.startswith('scale'))
    if scale:
        vals = [v for _, v in scale]
        r = max(vals) / min(vals)
        rows.append((f'6. case 1 cost, buffer_count {scale[0][0]}..{scale[-1][0]} (max/min)',
                     max(vals), min(vals), r, '<= 1.1', r <= 1.1, None, None))
    mem = ic.get(('memory65536', 'bytes_per_buffer')) or wall.get(('memory65536', 'bytes_per_buffer'))
    if mem:
        rows.append(('7. kernel memory per 2048-byte buffer (65536 buffers), bytes',
                     mem, 2048, mem / 2048, '<= 1.05x', mem / 2048 <= 1.05, None, None))

    for case, what in (('udp64', '64-byte UDP'), ('tcp_mtu', 'MTU-sized TCP'),
                      ('xdp_drop', '64-byte UDP into XDP_DROP')):
        n = ic.get((f'e2e_{case}_insn_per_frame', 'nbpool_virtio_net'))
        b = ic.get((f'e2e_{case}_insn_per_frame', 'virtio_net'))
        r = n / b if n and b else None
        rows.append((f'8. {what}: nbpool_virtio_net vs in-tree virtio_net, insn per frame '
                     '(wall columns: frames/s)', n, b, r, '<= 1.0x', None if r is None else r <= 1.0,
                     wall.get((f'e2e_{case}_frames_per_s', 'nbpool_virtio_net')),
                     wall.get((f'e2e_{case}_frames_per_s', 'virtio_net'))))
        for per, label in (('irqs', 'interrupts'), ('kicks', 'doorbells')):
            n = ic.get((f'e2e_{case}_{per}_per_frame', 'nbpool_virtio_net'))
            b = ic.get((f'e2e_{case}_{per}_per_frame', 'virtio_net'))
            if n is not None and b is not None:
                rows.append((f'8. {what}: {label} per frame, both NICs (icount run, tx=timer)', n, b,
                             n / b if b else None, '<= 1.0x', n <= b, None, None))
        n = wall.get((f'e2e_{case}_gbit_per_s', 'nbpool_virtio_net'))
        b = wall.get((f'e2e_{case}_gbit_per_s', 'virtio_net'))
        if n and b:
            rows.append((f'8. {what}: Mbit/s of payload under TCG (wall columns)', None, None,
                         n / b, 'indicative', None, n * 1000, b * 1000))

    n = wall.get(('e2e_tap_tcp_mbit_per_s', 'nbpool_virtio_net'))
    b = wall.get(('e2e_tap_tcp_mbit_per_s', 'virtio_net'))
    if n and b:
        # Throughput: higher is better, so the goal reads the other way.
        rows.append(('12. TCP on the tap topology, the device sums and segments: Mbit/s under TCG '
                     '(median of 3; wall columns: average frame eth0 sent, bytes)', n, b, n / b,
                     '>= 0.9x', n / b >= 0.9,
                     wall.get(('e2e_tap_tcp_avg_frame', 'nbpool_virtio_net')),
                     wall.get(('e2e_tap_tcp_avg_frame', 'virtio_net'))))

    def fmt(v, nd=1):
        # Small figures (interrupts or doorbells per frame) need their decimals.
        if v is not None and nd == 1 and abs(v) < 10:
            nd = 3
        return '-' if v is None else f'{v:.{nd}f}'

    md = ['| case | nbpool (insn/op) | baseline (insn/op) | ratio | goal | met | nbpool (ns/op, TCG) | baseline (ns/op, TCG) |',
          '| --- | --- | --- | --- | --- | --- | --- | --- |']
    for name, n, b, r, goal, ok, wn, wb in rows:
        met = '-' if ok is None else ('yes' if ok else 'NO')
        md.append(f'| {name} | {fmt(n)} | {fmt(b)} | {fmt(r, 3)} | {goal} | {met} | {fmt(wn)} | {fmt(wb)} |')
    md.append('')
    md.append('| buffer_count | alloc+free (insn/op) | create (insn) | destroy (insn) | memory per buffer (bytes; per-CPU vmstat drift makes small pools noisy) |')
    md.append('| --- | --- | --- | --- | --- |')
    for count, v in scale:
        md.append(f'| {count} | {fmt(v)} | {fmt(ic.get((f"create{count}", "nbpool")), 0)} | '
                  f'{fmt(ic.get((f"destroy{count}", "nbpool")), 0)} | '
                  f'{fmt(ic.get((f"memory{count}", "bytes_per_buffer")))} |')
    with open(os.path.join(d, 'results.md'), 'w') as f:
        f.write('\n'.join(md) + '\n')
    print('\n'.join(md))

    with open(os.path.join(d, 'results.csv'), 'w') as f:
        f.write('case,variant,icount_insn_per_op,wall_ns_per_op\n')
        for key in sorted(set(ic) | set(wall)):
            f.write(f'{key[0]},{key[1]},{ic.get(key, "")},{wall.get(key, "")}\n')

    if scale:
        data = os.path.join(d, 'scale.dat')
        with open(data, 'w') as f:
            for count, v in scale:
                f.write(f'{count} {v} {wall.get((f"scale{count}", "nbpool"), 0)}\n')
        script = (f'set terminal png size 800,500 noenhanced; set output "{d}/scale.png";'
                  'set logscale x 2; set xlabel "buffer_count"; set ylabel "cost per alloc+free";'
                  'set yrange [0:*]; set title "nbpool alloc+free in the owning NAPI vs pool size";'
                  f'plot "{data}" using 1:2 with linespoints title "guest instructions (icount)",'
                  f' "{data}" using 1:3 with linespoints title "ns under TCG"')
        subprocess.run(['gnuplot', '-e', script], check=False)


if __name__ == '__main__':
    main()
