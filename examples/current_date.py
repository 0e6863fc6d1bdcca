"""Display the current date with call_later(), five times, 0.1 s apart."""

import datetime

import loop_core


def show_date(loop, remaining):
    print(datetime.datetime.now().isoformat(timespec="milliseconds"))
    if remaining > 1:
        loop.call_later(0.1, show_date, loop, remaining - 1)
    else:
        loop.stop()


loop = loop_core.new_event_loop()
loop.call_soon(show_date, loop, 5)
try:
    loop.run_forever()
finally:
    loop.close()
