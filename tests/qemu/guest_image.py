#!/usr/bin/python3
"""The QEMU test guest, built from Debian packages only (docs: issue 12,
../shared/ENVIRONMENT.md "QEMU, libvirt"):

- the kernel: `vmlinuz` of the package linux-image-amd64 depends on
  (`apt-get download`, `dpkg-deb -x`), whose virtio-net and e1000 drivers
  are modules;
- the initramfs: busybox-static, those modules, guest_echo (guest_echo.c,
  built static here) and guest_init.sh as /init.

    guest_image.py [CACHE_DIR]     prints "KERNEL INITRD"

Cached in CACHE_DIR (default build/qemu-guest): the package is downloaded
once, the initramfs rebuilt when one of its inputs is newer. Errors name
the step that failed.
"""

import gzip
import glob
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
# In load order (ENVIRONMENT.md): virtio-net needs the virtio PCI transport
# and net_failover; e1000 for the NIC whose guest sends no NA after a move.
MODULES = ("virtio_ring", "virtio", "virtio_pci_modern_dev", "virtio_pci_legacy_dev", "virtio_pci",
           "failover", "net_failover", "virtio_net", "e1000")
BUSYBOX = "/bin/busybox"


class ImageError(Exception):
    pass


def run(command, cwd=None):
    proc = subprocess.run(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=600)
    if proc.returncode != 0:
        raise ImageError("%s failed: %s" % (" ".join(command), proc.stdout.strip()[-2000:]))
    return proc.stdout


def kernel_package():
    for line in run(["apt-cache", "depends", "linux-image-amd64"]).splitlines():
        line = line.strip()
        if line.startswith("Depends: linux-image-"):
            return line.split()[1]
    raise ImageError("apt-cache depends linux-image-amd64 names no linux-image-* package")


def unpacked_kernel(cache):
    """The unpacked kernel package: (its root, vmlinuz)."""
    tree = os.path.join(cache, "kernel")
    found = glob.glob(os.path.join(tree, "boot", "vmlinuz-*"))
    if found:
        return tree, found[0]
    package = kernel_package()
    downloads = os.path.join(cache, "downloads")
    os.makedirs(downloads, exist_ok=True)
    os.chmod(downloads, 0o755)
    if not glob.glob(os.path.join(downloads, package + "_*.deb")):
        run(["apt-get", "download", package], cwd=downloads)
    deb = glob.glob(os.path.join(downloads, package + "_*.deb"))[0]
    partial = tree + ".partial"
    shutil.rmtree(partial, ignore_errors=True)
    run(["dpkg-deb", "-x", deb, partial])
    os.replace(partial, tree)
    return tree, glob.glob(os.path.join(tree, "boot", "vmlinuz-*"))[0]


def build_initrd(cache, kernel_tree, initrd):
    dynamic = subprocess.run(["ldd", BUSYBOX], stdout=subprocess.PIPE, stderr=subprocess.STDOUT).returncode == 0
    if not os.access(BUSYBOX, os.X_OK) or dynamic:
        raise ImageError("%s is not busybox-static (apt-get install busybox-static)" % BUSYBOX)
    with tempfile.TemporaryDirectory(dir=cache) as work:
        for d in ("bin", "dev", "proc", "sys", "lib/modules", "tmp"):
            os.makedirs(os.path.join(work, d))
        shutil.copy(BUSYBOX, os.path.join(work, "bin", "busybox"))
        run(["gcc", "-static", "-O2", "-Wall", "-Wextra", "-Werror", "-o", os.path.join(work, "bin", "guest_echo"),
             os.path.join(HERE, "guest_echo.c")])
        shutil.copy(os.path.join(HERE, "guest_init.sh"), os.path.join(work, "init"))
        os.chmod(os.path.join(work, "init"), 0o755)
        for module in MODULES:
            found = glob.glob(os.path.join(kernel_tree, "lib", "modules", "*", "kernel", "**", module + ".ko"),
                              recursive=True)
            if not found:
                raise ImageError("module %s.ko not in the kernel package" % module)
            shutil.copy(found[0], os.path.join(work, "lib", "modules", module + ".ko"))
        names = run(["find", ".", "-mindepth", "1"], cwd=work)
        archive = subprocess.run(["cpio", "--quiet", "-o", "-H", "newc"], cwd=work, input=names.encode(),
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
        if archive.returncode != 0:
            raise ImageError("cpio failed: %s" % archive.stderr.decode())
        with gzip.open(initrd + ".partial", "wb") as f:
            f.write(archive.stdout)
        os.replace(initrd + ".partial", initrd)


def build_guest_image(cache=None):
    """(kernel, initrd) paths, built or taken from the cache."""
    cache = os.path.abspath(cache or os.path.join(ROOT, "build", "qemu-guest"))
    os.makedirs(cache, exist_ok=True)
    kernel_tree, kernel = unpacked_kernel(cache)
    initrd = os.path.join(cache, "initrd.gz")
    inputs = [os.path.join(HERE, n) for n in ("guest_echo.c", "guest_init.sh", "guest_image.py")] + [BUSYBOX]
    if not os.path.exists(initrd) or os.path.getmtime(initrd) < max(os.path.getmtime(p) for p in inputs):
        build_initrd(cache, kernel_tree, initrd)
    return kernel, initrd


if __name__ == "__main__":
    try:
        print(*build_guest_image(sys.argv[1] if len(sys.argv) > 1 else None))
    except ImageError as e:
        print("guest_image: %s" % e, file=sys.stderr)
        sys.exit(1)
