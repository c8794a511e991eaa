"""Where outpost's time goes under the benchmark's load: system calls and context switches per
accepted-and-delivered message (`perf stat`), or a call-graph profile (`perf record`).

    bench/run --only profile [--size 2048] [--messages 8000] [--signing rsa-2048] [--record]

outpost relays to a counting smtp-sink; smtp-source (20 sessions, many messages per session)
submits through the trusted network, as in bench/compare.py. With --record the profile is
written to outpost.perf in the current folder: `perf report -i outpost.perf --no-children`.
"""
import argparse
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
import compare  # noqa: E402
import harness  # noqa: E402
import peers  # noqa: E402

EVENTS = ["syscalls:sys_enter_pwrite64", "syscalls:sys_enter_pread64",
          "syscalls:sys_enter_fdatasync", "syscalls:sys_enter_futex",
          "syscalls:sys_enter_sendto", "syscalls:sys_enter_recvfrom",
          "syscalls:sys_enter_epoll_wait", "context-switches", "task-clock"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--size", type=int, default=2048)
    parser.add_argument("--messages", type=int, default=8000)
    parser.add_argument("--signing", choices=["rsa-2048", "ed25519"])
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args()
    peers.stop_on_signals()
    sink = peers.CountingSink().start()
    outpost = harness.OutpostProcess(binary=os.path.abspath(args.binary), extra_env={
        "OUTPOST_LOG_LEVEL": "warn", "OUTPOST_SUBMISSION_TRUSTED_NETWORKS": "127.0.0.1/32",
        "OUTPOST_DELIVERY_MAX_CONNECTIONS": "20",
        "OUTPOST_DELIVERY_MAX_MESSAGES_PER_CONNECTION": "10000"})
    counts = "/tmp/outpost-bench-perf-stat.txt"
    try:
        if args.signing:
            outpost.cli("dkim", "keygen", compare.SIGNING_DOMAIN, "--algorithm", args.signing,
                        "--activate")
        outpost.start()
        outpost.request("PUT", "/api/v1/settings/smtp", harness.relay_settings(sink.port))
        compare.smtp_source(outpost.submission_port, 100, args.size, 5)
        sink.wait_for(100, timeout=60)
        sink.messages = 0
        pid = str(outpost.process.pid)
        if args.record:
            command = ["perf", "record", "-F", "999", "-g", "-o", "outpost.perf", "-p", pid]
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
        outpost.cleanup()
        sink.stop()
    print(f"{args.messages} messages of {args.size} bytes ({args.signing or 'unsigned'}): "
          f"{args.messages / elapsed:,.0f} accepted and delivered per second")
    if args.record:
        print("profile: outpost.perf (perf report -i outpost.perf --no-children)")
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
