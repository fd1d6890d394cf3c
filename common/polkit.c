/* polkit.c — polkit's CheckAuthorization with subject system-bus-name = the caller's unique name.
 * Must not: allow anything when polkit is absent or says no. */
#include <errno.h>

#include "polkit.h"

int polkit_check(sd_bus_message *m, const char *action, sd_bus_error *error)
{
        sd_bus *bus = sd_bus_message_get_bus(m);
        sd_bus_creds *creds = NULL;
        sd_bus_message *reply = NULL;
        const char *sender = sd_bus_message_get_sender(m);
        int authorized = 0, challenge = 0, r;
        uid_t euid;

        if (!sender)
                return sd_bus_error_set(error, SD_BUS_ERROR_ACCESS_DENIED, "caller has no bus name");

        r = sd_bus_query_sender_creds(m, SD_BUS_CREDS_EUID, &creds);
        if (r >= 0) {
                r = sd_bus_creds_get_euid(creds, &euid);
                sd_bus_creds_unref(creds);
                if (r >= 0 && euid == 0)
                        return 1;
        }

        r = sd_bus_call_method(bus, "org.freedesktop.PolicyKit1", "/org/freedesktop/PolicyKit1/Authority",
                "org.freedesktop.PolicyKit1.Authority", "CheckAuthorization", NULL, &reply, "(sa{sv})sa{ss}us",
                "system-bus-name", 1, "name", "s", sender, action, 0, 0u, "");
        if (r < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                        "polkit is not available to authorize %s for %s: %s", action, sender, strerror(-r));

        r = sd_bus_message_enter_container(reply, 'r', "bba{ss}");
        if (r >= 0)
                r = sd_bus_message_read(reply, "bb", &authorized, &challenge);
        sd_bus_message_unref(reply);
        if (r < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED, "unreadable polkit answer for %s",
                        action);
        if (!authorized)
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED, "polkit denies %s to %s", action,
                        sender);
        return 1;
}
