#!/bin/sh
# MISC protocol wrapper for packup: packup-misc.sh CUDFIN CUDFOUT CRITERIA
# packup keeps its temporary files in --temporary-directory (default /tmp): use $TMPDIR.
set -u
crit=${3:-paranoid}
case "$crit" in
  paranoid) crit="-removed,-changed" ;;
  trendy) crit="-removed,-notuptodate,-unsat_recommends,-new" ;;
esac
crit=$(printf '%s' "$crit" | sed -e 's/unsat_recommends/unmet_recommends/g')
exec packup --temporary-directory "${TMPDIR:-/tmp}" -u "$crit" "$1" "$2"
