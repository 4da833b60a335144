/* Functions that must not be used in regcompat (git's idea): each has a safer replacement. */
#ifndef RC_BANNED_H
#define RC_BANNED_H

#define RC_BANNED(func) sorry_##func##_is_banned_in_regcompat

#undef strcpy
#define strcpy(x, y) RC_BANNED(strcpy) /* use rc_xstrdup or memcpy with a length */
#undef strcat
#define strcat(x, y) RC_BANNED(strcat) /* use struct rc_buf */
#undef strncpy
#define strncpy(x, y, n) RC_BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) RC_BANNED(strncat)
#undef sprintf
#define sprintf(...) RC_BANNED(sprintf) /* use snprintf or rc_fmt */
#undef vsprintf
#define vsprintf(...) RC_BANNED(vsprintf)
#undef strtok
#define strtok(x, y) RC_BANNED(strtok) /* use strtok_r or explicit parsing */
#undef atoi
#define atoi(x) RC_BANNED(atoi) /* use rc_parse_i64 */
#undef atol
#define atol(x) RC_BANNED(atol)
#undef gmtime
#define gmtime(t) RC_BANNED(gmtime) /* use gmtime_r */
#undef localtime
#define localtime(t) RC_BANNED(localtime) /* use localtime_r */
#undef ctime
#define ctime(t) RC_BANNED(ctime)
#undef asctime
#define asctime(t) RC_BANNED(asctime)

#endif
