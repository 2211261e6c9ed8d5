#include "config.h"
#include "cops.h"
#include <stdio.h>
int main(void) { puts("cops-index " COPS_VERSION_STRING); return 0; }
