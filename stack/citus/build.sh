#!/usr/bin/env bash
# Builds Citus from the vendored source once and assembles a PostgreSQL installation that can load
# it, without writing into the machine's PostgreSQL: PostgreSQL 15 finds extensions only in its own
# share/extension folder (extension_control_path arrived in PostgreSQL 18), and it derives that
# folder from where its binary sits. So the server's programs are copied into <home>/pg in
# Debian's layout, every other file of the installation is linked, and Citus's files are added.
#
# Usage: build.sh <source folder with citus-<version>.tar.gz and the patches> <version> <home>
# Run under flock by services/cli/stack/citus-build.ts; a second run finds <home>/built and stops.
set -euo pipefail
source_dir=$1 version=$2 home=$3
[ -f "$home/built" ] && exit 0

pg_config=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
bindir=$("$pg_config" --bindir)
pkglibdir=$("$pg_config" --pkglibdir)
sharedir=$("$pg_config" --sharedir)
major=$("$pg_config" --version | sed -E 's/^PostgreSQL ([0-9]+).*/\1/')

rm -rf "$home/src" "$home/stage" "$home/pg"
mkdir -p "$home/src"
tar xzf "$source_dir/citus-$version.tar.gz" -C "$home/src"
cd "$home/src/citus-$version"
for patch in "$source_dir"/*.patch; do [ -e "$patch" ] && patch -p1 < "$patch"; done
./configure PG_CONFIG="$pg_config" > "$home/configure.log" 2>&1
# with_llvm=no: no JIT bitcode, which doubles the build time and which the register's settings (jit = off) never use.
make -j"$(nproc)" with_llvm=no > "$home/make.log" 2>&1
make install with_llvm=no DESTDIR="$home/stage" > "$home/install.log" 2>&1

# The relocated installation: <home>/pg/lib/postgresql/<major>/{bin,lib}, <home>/pg/share/postgresql/<major>.
pg="$home/pg"
pg_bin="$pg/lib/postgresql/$major/bin" pg_lib="$pg/lib/postgresql/$major/lib" pg_share="$pg/share/postgresql/$major"
mkdir -p "$pg_bin" "$pg_lib" "$pg_share/extension"
for program in "$bindir"/*; do
  case $(basename "$program") in
    # These find the server, its libraries and its share folder from their own resolved path: copies, not links.
    postgres | initdb | pg_ctl) cp -p "$program" "$pg_bin/" ;;
    *) ln -sf "$program" "$pg_bin/" ;;
  esac
done
for file in "$pkglibdir"/*; do ln -sf "$file" "$pg_lib/"; done
for entry in "$sharedir"/*; do [ "$(basename "$entry")" = extension ] || ln -sf "$entry" "$pg_share/"; done
for file in "$sharedir"/extension/*; do ln -sf "$file" "$pg_share/extension/"; done
cp -p "$home/stage$pkglibdir"/*.so "$pg_lib/"
cp -p "$home/stage$sharedir"/extension/* "$pg_share/extension/"
rm -rf "$home/src" "$home/stage"
echo "$version" > "$home/built"
