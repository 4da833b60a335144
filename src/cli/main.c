#include <stdio.h>

int main(void)
{
    puts("regcompat " RC_VERSION);
    return 0;
}
