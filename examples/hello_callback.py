"""Hello World with call_soon(), on our loop: the callback re-schedules
itself a few times, then stops the loop."""

import loop_core


def hello(loop, remaining):
    print(f"Hello World ({remaining} to go)")
    if remaining > 1:
        loop.call_soon(hello, loop, remaining - 1)
    else:
        loop.stop()


loop = loop_core.new_event_loop()
loop.call_soon(hello, loop, 3)
try:
    loop.run_forever()
finally:
    loop.close()
