/* The QEMU guest's probe responder: every UDP datagram to [::]:PORT goes
 * back to its sender unchanged, as `roam6-probe echo` does for the
 * namespace guests. Built static by guest_image.py into the initramfs; the
 * guest has no libc of its own.
 *
 *   guest_echo [PORT]      (default 7447)
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

int main(int argc, char** argv) {
  const int port = argc > 1 ? atoi(argv[1]) : 7447;
  const int fd = socket(AF_INET6, SOCK_DGRAM, 0);
  struct sockaddr_in6 local = {0};
  local.sin6_family = AF_INET6;
  local.sin6_port = htons((unsigned short)port);
  local.sin6_addr = in6addr_any;
  if (fd < 0 || bind(fd, (struct sockaddr*)&local, sizeof local) != 0) {
    perror("guest_echo: bind");
    return 1;
  }
  /* A guest just resumed after a move receives at once what the network
   * held for it during the pause (a few hundred probes at 1 kHz), while
   * under TCG this program may not run for tens of milliseconds: the
   * default 208 KiB receive buffer (~90 small datagrams) would drop the
   * tail of that burst inside the guest, as it would for any application
   * that receives at this rate. Size it as such an application does. */
  const int buffer_bytes = 16 << 20;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buffer_bytes, sizeof buffer_bytes) != 0)
    perror("guest_echo: SO_RCVBUFFORCE");
  for (;;) {
    char buffer[2048];
    struct sockaddr_in6 from;
    socklen_t from_size = sizeof from;
    const ssize_t n = recvfrom(fd, buffer, sizeof buffer, 0, (struct sockaddr*)&from, &from_size);
    if (n >= 0) sendto(fd, buffer, (size_t)n, 0, (struct sockaddr*)&from, from_size);
  }
}
