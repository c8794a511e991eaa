"""Where outpost's time goes under the benchmark's load: system calls and context switches per
accepted-and-delivered message (`perf stat`), or a call-graph profile (`perf record`).

    bench/run --only profile [--size 2048] [--messages 8000] [--signing rsa2048] [--record]

outpost relays to a counting smtp-sink; smtp-source (20 sessions, many messages per session)
submits through the trusted network, as in bench/compare.py. With --record the profile is
written to build/release/bench-results/outpost.perf:
`perf report -i build/release/bench-results/outpost.perf --no-children`.
"""
import argparse
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
import compare  # noqa: E402
import peers  # noqa: E402

PROFILE = os.path.join(HERE, "..", "build", "release", "bench-results", "outpost.perf")
EVENTS = ["syscalls:sys_enter_pwrite64", "syscalls:sys_enter_pread64",
          "syscalls:sys_enter_fdatasync", "syscalls:sys_enter_futex",
          "syscalls:sys_enter_sendto", "syscalls:sys_enter_recvfrom",
          "syscalls:sys_enter_epoll_wait", "context-switches", "task-clock"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--size", type=int, default=2048)
    parser.add_argument("--messages", type=int, default=8000)
    parser.add_argument("--signing", choices=["rsa2048", "ed25519"])
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args()
    peers.stop_on_signals()
    args.binary = os.path.abspath(args.binary)
    counts = "/tmp/outpost-bench-perf-stat.txt"
    sink = peers.CountingSink().start()
    system = None
    try:
        system = compare.OutpostUnderTest(args, args.signing)
        outpost = system.outpost
        system.relay_to(sink.port)
        compare.smtp_source(outpost.submission_port, 100, args.size, 5)
        sink.wait_for(100, timeout=60)
        sink.messages = 0
        pid = str(outpost.process.pid)
        if args.record:
            os.makedirs(os.path.dirname(PROFILE), exist_ok=True)
            command = ["perf", "record", "-F", "999", "-g", "-o", PROFILE, "-p", pid]
        else:
            command = ["perf", "stat", "-x", ",", "-o", counts, "-e", ",".join(EVENTS), "-p", pid]
        perf = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)  # perf attaches
        started = time.monotonic()
        compare.smtp_source(outpost.submission_port, args.messages, args.size, 20)
        sink.wait_for(args.messages, timeout=600)
        elapsed = time.monotonic() - started
        perf.send_signal(2)
        perf.wait(60)
    finally:
        if system:
            system.stop()
        sink.stop()
    print(f"{args.messages} messages of {args.size} bytes ({args.signing or 'unsigned'}): "
          f"{args.messages / elapsed:,.0f} accepted and delivered per second")
    if args.record:
        profile = os.path.relpath(PROFILE)
        print(f"profile: {profile} (perf report -i {profile} --no-children)")
        return
    with open(counts) as handle:
        for line in handle:
            fields = line.strip().split(",")
            if len(fields) > 2 and fields[0].replace(".", "").isdigit():
                name = fields[2].replace("syscalls:sys_enter_", "")
                unit = " ms of CPU" if name == "task-clock" else ""
                print(f"  {name:18} {float(fields[0]) / args.messages:8.2f}{unit} per message")
    os.unlink(counts)


if __name__ == "__main__":
    main()
