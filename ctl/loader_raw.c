// SPDX-License-Identifier: GPL-2.0
/* Raw images: the file's bytes at --addr (default 0x1000), entry = addr. */
#include <errno.h>

#include "loader_int.h"

int ld_load_raw(struct ld_ctx *c)
{
	uint64_t addr = c->o->has_addr ? c->o->addr : LD_RAW_DEFAULT_ADDR;
	int ret;

	ret = ld_add(c, addr, c->img->data, c->img->size, "image");
	if (ret)
		return ret;
	c->entry = addr;
	c->image_end = addr + c->img->size;
	c->mode = LD_MODE_LONG;
	return 0;
}
