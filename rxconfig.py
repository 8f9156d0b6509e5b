"""Reflex configuration for the dictachat app (chat at `/`, admin dashboard at `/admin`)."""

import reflex as rx

config = rx.Config(
    app_name="dictachat",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    # Plugins are listed explicitly: Radix Themes for the components, no sitemap (nothing here is public web content).
    plugins=[
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(appearance="inherit", accent_color="indigo", gray_color="slate", radius="large", scaling="100%"),
        ),
    ],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
