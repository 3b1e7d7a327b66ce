#!/bin/sh
# stale CUDFIN CUDFOUT [CRITERIA]: a deliberately wrong solver for the demo. It answers every
# problem with the installation it was given, unchanged, so the request is not met (unless
# it already was): `misc` judges the answer `wrong` and explains which request item fails.
awk 'BEGIN { RS = ""; ORS = "" }
     /^package: / && /\ninstalled: true/ {
         n = split($0, line, "\n")
         for (i = 1; i <= n; i++)
             if (line[i] ~ /^(package|version|installed): /) print line[i] "\n"
         print "\n"
     }' "$1" > "$2"
