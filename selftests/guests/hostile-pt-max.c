// SPDX-License-Identifier: GPL-2.0
/* hostile-pt-max: hostile-pt.c at the last page below MAXPHYADDR. */
#define HOSTILE_PT_MAXPHY 1
#include "hostile-pt.c"
