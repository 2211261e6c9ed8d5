#include "config.h"
#include "cops.h"
#include <stdio.h>
int main(void) { puts("cops-query " COPS_VERSION_STRING); return 0; }
