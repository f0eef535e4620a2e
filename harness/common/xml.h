/* SPDX-License-Identifier: GPL-2.0 */
/* The one XML text writer: every JUnit report escapes through it. */
#ifndef KMSTRACE_XML_H
#define KMSTRACE_XML_H

#include <stdio.h>

/*
 * S as XML character data or an attribute value (quotes escaped); control
 * characters XML 1.0 cannot hold are dropped, newlines and tabs kept.
 */
void kmst_xml_text(FILE *out, const char *s);

#endif
