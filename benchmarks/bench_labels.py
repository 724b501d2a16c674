"""Label PDFs: 1,000 box labels (QR code and Code128 each) on Avery L7160 sheets, in one job.

Target: a median under 2 s on the project's 2-core machine, so that a manager printing a
whole intake's labels waits no longer than for a page. Run with::

    python -m benchmarks.bench_labels [--labels 1000] [--runs 5] [--format L7160]

No database is needed: the builder is a plain function from label contents to bytes.
"""
import argparse
import datetime
import json
import statistics
import time

from warehouse.labels import LabelData, build_labels

ITEMS = [  # (name, size and audience, unit): a spread of real-world lengths
    ("Sleeping bag", "Adult · winter", "pieces"),
    ("Chaussettes chaudes en laine", "Taille 39–42 · hommes", "paires"),
    ("Men's waterproof jacket with hood", "L · men", "pieces"),
    ("Tent, 2 persons", "", "pieces"),
    ("Couverture de survie", "", "pièces"),
    ("Baby nappies size 4", "9–14 kg · baby", "packs"),
]


def make_labels(count: int) -> list[LabelData]:
    labels = []
    for number in range(1, count + 1):
        name, subtitle, unit = ITEMS[number % len(ITEMS)]
        labels.append(LabelData(
            code=f"B{number:05d}", kind="box", title=name, subtitle=subtitle,
            quantity=number % 60 + 1, unit=unit, date=datetime.date(2025, 3, 12),
            condition="new" if number % 3 else "used", extra="Calais"))
    return labels


def bench_labels(*, count: int = 1000, runs: int = 5, format: str = "L7160") -> dict:
    """Time ``build_labels`` on ``count`` labels ``runs`` times, after one warm-up."""
    labels = make_labels(count)
    build_labels(labels[:21], format=format)  # fonts registered, code paths warm
    times, cpu_times, size = [], [], 0
    for _ in range(runs):
        start, cpu_start = time.perf_counter(), time.process_time()
        pdf = build_labels(labels, format=format)
        times.append(time.perf_counter() - start)
        cpu_times.append(time.process_time() - cpu_start)
        size = len(pdf)
    # CPU time as well as wall time: on a shared machine the wall time carries other load.
    return {"format": format, "labels": count, "runs": runs,
            "median_s": round(statistics.median(times), 3),
            "min_s": round(min(times), 3), "max_s": round(max(times), 3),
            "cpu_median_s": round(statistics.median(cpu_times), 3),
            "labels_per_s": round(count / statistics.median(times)),
            "pdf_kib": round(size / 1024)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--format", default="L7160")
    args = parser.parse_args()
    print(json.dumps(bench_labels(count=args.labels, runs=args.runs, format=args.format),
                     indent=2))


if __name__ == "__main__":
    main()
