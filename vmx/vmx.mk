# SPDX-License-Identifier: GPL-2.0
# VT-x backend objects, included by the top-level Kbuild.
hvm-y += vmx/caps.o vmx/vmx.o vmx/vmcs.o vmx/regs.o vmx/exit.o vmx/ept.o \
	 vmx/vpid.o vmx/entry.o vmx/guest.o vmx/host.o
