#!/bin/sh
# dawdle CUDFIN CUDFOUT [CRITERIA]: a deliberately slow solver for the demo. On about one
# problem in three (chosen by a checksum of the problem, so always the same ones) it computes
# until the CPU-time limit stops it (an abort); on the others it gives up at once (FAIL).
sum=$(cksum < "$1" | cut -d ' ' -f 1)
if [ $((sum % 3)) -eq 0 ]; then
    while :; do :; done
fi
echo FAIL > "$2"
