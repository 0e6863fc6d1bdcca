"""loop-transports: TCP, UDP and Unix-socket connections and servers for loop-core.

Everything here is reached through the loop (``loop.create_connection``,
``loop.create_server``, ``loop.connect_accepted_socket``,
``loop.create_unix_connection``, ``loop.create_unix_server``,
``loop.create_datagram_endpoint``) via loop-core's
extension entry points; the one public name is ``Server``, the object
``create_server`` returns. Built only on loop-core's public names
(``FdTransport``) and asyncio's interfaces.
"""

from .server import Server as Server

__all__ = ["Server"]
__version__ = "0.2.0"
