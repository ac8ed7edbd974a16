#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# many-up.sh N IMAGE - (in the test machine, timed by inside.sh) create and
# start hvm VMs bench-m1..bench-mN from IMAGE, then wait until each stopped
# with exit code 0. The VMs are left for inside.sh to check and destroy.

n=$1 img=$2
i=1
while [ "$i" -le "$n" ]; do
	hvctl create "bench-m$i" --memory 16M --image "$img" --format raw \
		--mode protected || exit 1
	hvctl start "bench-m$i" || exit 1
	i=$((i + 1))
done
i=1
while [ "$i" -le "$n" ]; do
	hvctl wait "bench-m$i" --timeout 120 || exit 1
	i=$((i + 1))
done
