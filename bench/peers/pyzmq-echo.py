"""The pyzmq baseline: DEALER/ROUTER with msgpack bodies, both ends in Python (pyacq's transport).

  python3 pyzmq-echo.py server          binds a ROUTER on tcp://127.0.0.1, prints its endpoint,
                                        answers each request with its msgpack body decoded and
                                        encoded again
  python3 pyzmq-echo.py client ADDRESS  reads a count per line on stdin, makes that many
                                        sequential msgpack requests, prints the seconds they took

Both exit when stdin closes (the bench runner died or closed them): never outlive the runner.
"""
import os
import sys
import time

import msgpack
import zmq


def server():
    ctx = zmq.Context()
    router = ctx.socket(zmq.ROUTER)
    router.linger = 0
    router.bind(os.environ['BENCH_BIND'])
    print(router.getsockopt_string(zmq.LAST_ENDPOINT), flush=True)
    poller = zmq.Poller()
    poller.register(router, zmq.POLLIN)
    poller.register(sys.stdin, zmq.POLLIN)
    while True:
        events = dict(poller.poll())
        if router in events:
            identity, body = router.recv_multipart()
            router.send_multipart([identity, msgpack.packb(msgpack.unpackb(body))])
        if (sys.stdin in events or sys.stdin.fileno() in events) and not sys.stdin.readline():
            return


def client(address):
    ctx = zmq.Context()
    dealer = ctx.socket(zmq.DEALER)
    dealer.linger = 0
    dealer.connect(address)
    for line in sys.stdin:
        count = int(line)
        start = time.perf_counter()
        for i in range(count):
            dealer.send(msgpack.packb({'id': i, 'method': 'echo', 'args': [i]}))
            reply = msgpack.unpackb(dealer.recv())
            if reply['id'] != i:
                raise SystemExit('wrong reply')
        print(time.perf_counter() - start, flush=True)


if __name__ == '__main__':
    if sys.argv[1] == 'server':
        server()
    else:
        client(sys.argv[2])
