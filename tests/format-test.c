#include "config.h"
#include <criterion/criterion.h>
Test(format, placeholder) {}
