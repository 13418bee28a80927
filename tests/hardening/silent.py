"""A TCP proxy in front of the sandbox that can fall silent: it then accepts connections and
requests as before, and never answers, as a hung AWS endpoint does."""
import socket
import threading


class SilentProxy:
    """Forwards to `upstream` (host, port) until `requests_answered` requests went through;
    every request after that is swallowed and never answered. None: answer everything."""

    def __init__(self, upstream_url: str, requests_answered: int | None = None):
        host, port = upstream_url.split("//", 1)[1].rsplit(":", 1)
        self.upstream = (host, int(port))
        self.requests_answered = requests_answered
        self.requests = 0
        self._lock = threading.Lock()
        self._server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._server.getsockname()[1]}"
        self._sockets = [self._server]
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def fall_silent(self, after: int = 0):
        """From now on, answer `after` more requests, then none."""
        with self._lock:
            self.requests_answered = self.requests + after

    def answer_again(self):
        with self._lock:
            self.requests_answered = None

    def _silent_now(self, chunk: bytes) -> bool:
        with self._lock:
            if chunk[:5] in (b"POST ", b"GET /"):  # a new request starts on this connection
                self.requests += 1
                return self.requests_answered is not None and self.requests > self.requests_answered
            return False

    def _accept(self):
        while not self._closed:
            try:
                conn, _ = self._server.accept()
            except OSError:
                return
            self._sockets.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        try:
            upstream = socket.create_connection(self.upstream)
        except OSError:
            conn.close()
            return
        self._sockets.append(upstream)
        threading.Thread(target=self._pipe, args=(upstream, conn), daemon=True).start()
        silent = False
        try:
            while chunk := conn.recv(65536):
                silent = silent or self._silent_now(chunk)
                if not silent:
                    upstream.sendall(chunk)
        except OSError:
            pass
        # Swallowed: the connection stays open and unanswered until the client gives up.

    @staticmethod
    def _pipe(source, sink):
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass

    def close(self):
        self._closed = True
        for sock in self._sockets:
            try:
                sock.close()
            except OSError:
                pass
