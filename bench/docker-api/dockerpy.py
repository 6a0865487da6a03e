"""docker-py's create/start/wait/remove cycle against one Docker API socket.

Usage: dockerpy.py unix:///path/to.sock RUNS
Prints the median milliseconds of one cycle (after one warm-up cycle), timed
inside one Python process so interpreter start and `import docker` are not
in the number.
"""
import statistics
import sys
import time

import docker

host, runs = sys.argv[1], int(sys.argv[2])
client = docker.DockerClient(base_url=host, version="auto", timeout=60)
api = client.api
# The same explicit ulimits as the CLI runs (podman as root cannot raise its defaults).
ULIMITS = [docker.types.Ulimit(name="nofile", soft=1024, hard=1024), docker.types.Ulimit(name="nproc", soft=1000, hard=1000)]


def cycle():
    c = api.create_container("busybox", ["true"], host_config=api.create_host_config(network_mode="none", ulimits=ULIMITS))
    api.start(c["Id"])
    code = api.wait(c["Id"])["StatusCode"]
    api.remove_container(c["Id"])
    if code != 0:
        raise SystemExit(f"container exited {code}")


cycle()
times = []
for _ in range(runs):
    start = time.perf_counter()
    cycle()
    times.append((time.perf_counter() - start) * 1000)
print(round(statistics.median(times)))
