import socket

import pytest
from pytest_socket import SocketConnectBlockedError


def test_tests_cannot_reach_the_network():
    with pytest.raises(SocketConnectBlockedError), socket.create_connection(("93.184.216.34", 80), timeout=1):
        pass


def test_loopback_is_allowed():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    with socket.create_connection(server.getsockname(), timeout=1):
        pass
    server.close()
