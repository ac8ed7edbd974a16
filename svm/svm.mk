# SPDX-License-Identifier: GPL-2.0
#
# AMD-V backend objects, included by the top-level Kbuild.

hvm-y += svm/caps.o svm/svm.o svm/bitmaps.o svm/vmcb.o svm/event.o \
	 svm/exit.o svm/npt.o svm/asid.o svm/entry.o svm/ctx.o svm/host.o
