#!/bin/sh
# MISC protocol wrapper for mccs: mccs-misc.sh CUDFIN CUDFOUT CRITERIA
# CRITERIA is a 2010/2011 list (-removed,-changed), or paranoid / trendy.
# mccs spells unsat_recommends as nunsat[recommends:,true] and takes -lex[...].
set -u
crit=${3:-paranoid}
case "$crit" in
  paranoid) crit="-removed,-changed" ;;
  trendy) crit="-removed,-notuptodate,-unsat_recommends,-new" ;;
esac
crit=$(printf '%s' "$crit" | sed -e 's/unsat_recommends/nunsat[recommends:,true]/g')
exec mccs -i "$1" -o "$2" "-lex[$crit]"
