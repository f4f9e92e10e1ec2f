#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Add to an initramfs root what upstream's generic NIC tests need
# (tools/testing/selftests/drivers/net/*.py): Debian's python3.11 with only
# the stdlib modules those tests load, PyYAML, the kernel's Python test
# libraries and netlink specs laid out as `make install` of the selftests
# would, the commands the tests call (bash, iputils ping, socat), and our
# runner, tools/testing/selftests/drivers/net/mknet-upstream.
#
# usage: mkinitramfs-python.sh ROOT
# The kernel tree comes from MK_SRC (default: build/linux of this project).
set -euo pipefail
root=$1
top=$(cd "$(dirname "$0")/../../.." && pwd)
src=${MK_SRC:-$top/build/linux}
py=/usr/bin/python3.11
stdlib=/usr/lib/python3.11
ksft=$src/tools/testing/selftests
coll=drivers/net/mknet-upstream
# The upstream tests run, and the netlink specs they load.
tests="ping.py stats.py queues.py"
specs="ethtool netdev rt_link"

for f in "$py" "$stdlib/os.py" /usr/lib/python3/dist-packages/yaml/__init__.py \
	 /usr/bin/socat /usr/bin/ping /bin/bash; do
	[ -e "$f" ] || { echo "  ERROR   $f missing: run scripts/deps.sh"; exit 1; }
done

# A binary with the libraries ldd names, at their host paths.
copy_bin() {	# host path, path in root
	mkdir -p "$root$(dirname "$2")"
	cp -L "$1" "$root$2"
	for lib in $(ldd "$1" | grep -o '/[^ ]*'); do
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}

# In /usr/bin, which only our runner puts in PATH: the other selftests
# keep busybox's ping.  `#!/usr/bin/env python3` needs /usr/bin/env.
copy_bin "$py" /usr/bin/python3.11
ln -sf python3.11 "$root/usr/bin/python3"
copy_bin /usr/bin/socat /usr/bin/socat
copy_bin /usr/bin/ping /usr/bin/ping
# The netns remote runs its commands with `bash -c`.
copy_bin /bin/bash /usr/bin/bash
[ -e "$root/usr/bin/env" ] || ln -s /bin/busybox "$root/usr/bin/env"

# The selftests' installed layout: net/lib/py/ynl.py finds the YNL
# library and specs under net/lib/ when kselftest-list.txt is beside.
sel=$root/selftests
mkdir -p "$sel/drivers/net/lib/py" "$sel/net/lib/py" "$sel/net/lib/ynl/lib" \
	"$sel/net/lib/specs" "$sel/$coll"
for t in $tests; do
	cp -p "$ksft/drivers/net/$t" "$sel/drivers/net/"
done
cp -p "$ksft"/drivers/net/lib/py/*.py "$sel/drivers/net/lib/py/"
cp -p "$ksft"/net/lib/py/*.py "$sel/net/lib/py/"
cp -p "$src"/tools/net/ynl/lib/*.py "$sel/net/lib/ynl/lib/"
for s in $specs; do
	cp -p "$src/Documentation/netlink/specs/$s.yaml" "$sel/net/lib/specs/"
done
cp -p "$top/tools/testing/selftests/$coll"/* "$sel/$coll/"
grep -qx "$coll:run.sh" "$sel/kselftest-list.txt" 2>/dev/null ||
	echo "$coll:run.sh" >> "$sel/kselftest-list.txt"

# The stdlib modules the tests load, found by loading them here: import
# the tests and their libraries, parse the specs, run a command and format
# a traceback as the tests do, then list every module file loaded from the
# stdlib or PyYAML.  A clean environment and the guest's paths make the
# interpreter's own startup imports show too.
mods=$(cd "$sel/drivers/net" && env -i PATH=/usr/bin:/bin "$py" - $tests <<'EOF'
import importlib.util, sys, traceback, json, glob
sys.path.insert(0, '.')
for t in sys.argv[1:]:
    spec = importlib.util.spec_from_file_location(t[:-3], t)
    try:
        spec.loader.exec_module(importlib.util.module_from_spec(spec))
    except Exception:
        pass    # families may be missing on this host: loaded by now
import lib.py.remote_netns
from lib.py import cmd
from net.lib.ynl.lib import nlspec
for s in glob.glob('../../net/lib/specs/*.yaml'):
    nlspec.SpecFamily(s, schema_path='')
json.loads(cmd('echo "[1]"').stdout)
try:
    raise ValueError('x')
except ValueError:
    traceback.format_exc()
for m in list(sys.modules.values()):
    f = getattr(m, '__file__', None)
    if f and f.startswith(('/usr/lib/python3.11/', '/usr/lib/python3/dist-packages/')):
        print(f)
EOF
)
# Debian's byte-compiled copy of each module, in the module's place: the
# guest imports it without the source (half the size) and never compiles.
for f in $mods; do
	# PyYAML goes beside the stdlib: no site-packages setup needed.
	dst=$root${f/#\/usr\/lib\/python3\/dist-packages/$stdlib}
	pyc=$(dirname "$f")/__pycache__/$(basename "${f%.py}").cpython-311.pyc
	mkdir -p "$(dirname "$dst")"
	case $f in
	*.py) if [ -e "$pyc" ]; then cp -p "$pyc" "${dst%.py}.pyc"; else cp -p "$f" "$dst"; fi ;;
	*) cp -p "$f" "$dst" ;;
	esac
done
mkdir -p "$root$stdlib/lib-dynload"
for so in $(find "$root$stdlib" -name '*.so'); do
	for lib in $(ldd "$so" | grep -o '/[^ ]*'); do
		[ -e "$root$lib" ] || { mkdir -p "$root$(dirname "$lib")"; cp -L "$lib" "$root$lib"; }
	done
done
# Byte-compile the kernel's libraries now: the guest would otherwise do it
# under TCG on every boot.  Hash-checked, so cpio's times do not matter.
"$py" -m compileall -q --invalidation-mode unchecked-hash \
	"$sel/drivers/net" "$sel/net/lib" >/dev/null
echo "  PYTHON  $(echo "$mods" | wc -l) modules, $(du -sh "$root$stdlib" | cut -f1) stdlib"
