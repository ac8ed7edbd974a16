# SPDX-License-Identifier: GPL-2.0
#
# AMD-V backend objects, included by the top-level Kbuild.

hvm-y += svm/svm.o svm/vmcb.o svm/exit.o svm/npt.o svm/entry.o svm/ctx.o
