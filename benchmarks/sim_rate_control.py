"""A discrete-event simulation of N instances sharing one account's budget, for tuning ratecontrol.

No processes, no endpoint, no sleeping: each instance makes `calls` sequential calls through its own
bucket (paced at ratecontrol's rate, or fixed at the ceiling), against one server-side token bucket
(5/s, burst 5) that answers Throttling when empty; a throttled call is retried with botocore's
standard backoff (rand * 2^attempt s, 5 attempts) after the bucket's pause. The same figures as
bench_shared_account.py, in a second. It models neither process start-up nor latency spread, and was
pessimistic against the real benchmark (4.6 % Throttling simulated, 3.1-3.6 % measured), so use it
to compare settings, not to predict. Prints figures; not a test.
Run: uv run python benchmarks/sim_rate_control.py [--instances 10] [--calls 102] [--seeds 3]
     [--policy '{"increase": 0.001}']
"""

from __future__ import annotations

import argparse
import heapq
import json
import random
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from zonekeeper import ratecontrol as rc

SERVER_RATE, SERVER_BURST, LATENCY, ATTEMPTS = 5.0, 5, 0.03, 5


@dataclass
class Client:
    state: rc.RateState
    start: float
    next_free: float
    paused_until: float
    done: int = 0
    attempt: int = 0
    failed: int = 0
    finish: float = 0.0


class Server:
    def __init__(self) -> None:
        self.tokens, self.stamp = float(SERVER_BURST), 0.0

    def take(self, now: float) -> bool:
        self.tokens = min(SERVER_BURST, self.tokens + (now - self.stamp) * SERVER_RATE)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


def simulate(n: int, calls: int, adaptive: bool, policy: rc.RatePolicy, seed: int, skew: float) -> dict[str, float]:
    rng = random.Random(seed)
    server = Server()
    clients = []
    for _ in range(n):
        t0 = rng.uniform(0, skew)  # process start-up spread
        clients.append(Client(rc.start(policy, t0), t0, t0, t0))
    events = [(c.start, i) for i, c in enumerate(clients)]
    heapq.heapify(events)
    ok = throttled = 0
    while events:
        now, i = heapq.heappop(events)
        c = clients[i]
        send = max(now, c.next_free, c.paused_until)
        if send > now + 1e-12:
            heapq.heappush(events, (send, i))
            continue
        rate = c.state.rate if adaptive else policy.ceiling
        c.next_free = max(c.next_free, now - int(rate) / rate) + 1 / rate  # burst ~ rate + 1
        answered = now + LATENCY
        if server.take(now):
            ok += 1
            c.done, c.attempt = c.done + 1, 0
            if adaptive:
                c.state = rc.on_success(c.state, policy, answered)
        else:
            throttled += 1
            pause = policy.pause
            if adaptive:
                out = rc.on_throttle(c.state, policy, answered, jitter=rng.random())
                c.state, pause = out.state, out.pause
            c.paused_until = c.next_free = max(c.paused_until, answered + pause)
            c.attempt += 1
            if c.attempt < ATTEMPTS:
                heapq.heappush(events, (answered + rng.random() * min(2 ** (c.attempt - 1), 20), i))
                continue
            c.failed, c.done, c.attempt = c.failed + 1, c.done + 1, 0
        if c.done >= calls:
            c.finish = answered
        else:
            heapq.heappush(events, (answered, i))
    took = [c.finish - c.start for c in clients]
    total = max(c.finish for c in clients) - min(c.start for c in clients)
    return {"vs ideal": total / (ok / SERVER_RATE), "throttled": throttled,
            "throttled %": 100 * throttled / (ok + throttled), "failed calls": sum(c.failed for c in clients),
            "Jain": sum(took) ** 2 / (n * sum(t * t for t in took)), "slowest/fastest": max(took) / min(took)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--instances", type=int, default=10)
    parser.add_argument("--calls", type=int, default=102)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--skew", type=float, default=8.0, help="start-up spread, seconds")
    parser.add_argument("--policy", default="{}", help="RatePolicy fields as JSON")
    a = parser.parse_args()
    policy = rc.RatePolicy(ceiling=4.0, **json.loads(a.policy))
    for adaptive in (True, False):
        for seed in range(1, a.seeds + 1):
            r = simulate(a.instances, a.calls, adaptive, policy, seed, a.skew)
            print(f"{'adaptive' if adaptive else 'fixed   '} seed {seed}: " +
                  ", ".join(f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}" for k, v in r.items()))


if __name__ == "__main__":
    main()
