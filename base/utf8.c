#include "config.h"

#include "base/utf8.h"

size_t utf8_sequence(const uint8_t *bytes, size_t available, size_t *bad_length)
{
    uint8_t lead = bytes[0];
    if (lead < 0x80)
        return 1;
    size_t trailing;
    uint8_t low = 0x80, high = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
        trailing = 1;
    } else if (lead == 0xE0) {
        trailing = 2;
        low = 0xA0;
    } else if (lead == 0xED) {
        trailing = 2;
        high = 0x9F;
    } else if (lead >= 0xE1 && lead <= 0xEF) {
        trailing = 2;
    } else if (lead == 0xF0) {
        trailing = 3;
        low = 0x90;
    } else if (lead >= 0xF1 && lead <= 0xF3) {
        trailing = 3;
    } else if (lead == 0xF4) {
        trailing = 3;
        high = 0x8F;
    } else {
        *bad_length = 1;
        return 0;
    }
    size_t i = 1;
    while (i <= trailing && i < available && bytes[i] >= low && bytes[i] <= high) {
        low = 0x80;
        high = 0xBF;
        i++;
    }
    if (i > trailing)
        return trailing + 1;
    *bad_length = i;
    return 0;
}

uint32_t utf8_decode(const uint8_t *bytes, size_t length)
{
    static const uint8_t lead_mask[5] = {0, 0x7F, 0x1F, 0x0F, 0x07};
    uint32_t value = bytes[0] & lead_mask[length];
    for (size_t i = 1; i < length; i++)
        value = (value << 6) | (bytes[i] & 0x3F);
    return value;
}
