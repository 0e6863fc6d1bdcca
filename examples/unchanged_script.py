"""A plain asyncio program with no mention of our loop. Run it as
``python -m loop_policy examples/unchanged_script.py`` and it runs on ours."""

import asyncio
import sys


async def ticker(name, delay, count):
    for _ in range(count):
        await asyncio.sleep(delay)
    return f"{name} ticked {count} times"


async def main():
    loop = asyncio.get_running_loop()
    results = await asyncio.gather(ticker("fast", 0.001, 20), ticker("slow", 0.01, 3))
    print("running on", type(loop).__module__ + "." + type(loop).__qualname__)
    print("argv:", sys.argv[1:])
    for line in results:
        print(" ", line)


if __name__ == "__main__":
    asyncio.run(main())
