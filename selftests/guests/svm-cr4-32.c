// SPDX-License-Identifier: GPL-2.0
/* svm-cr4-32: svm-cr4 as a 32-bit protected-mode guest. */
#include "svm-cr4.c"
