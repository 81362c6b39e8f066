using static Microsoft.Playwright.Assertions;

namespace Harness.Browser.Tests;

/// <summary>
/// The Properties tab in Chromium: a VM opened from the inventory, a reference followed to another managed object by its
/// managed object ID (the one the vim25 endpoint and the REST API give), an unset field shown as unset, and a reference
/// the browser cannot open (a folder) shown without a link.
/// </summary>
public class PropertyBrowserTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    [Fact]
    public async Task A_VMs_host_reference_opens_the_HostSystem_by_its_ID_and_unset_fields_say_unset()
    {
        await using var d = await DashboardPage.OpenAsync(chromium);
        const string vm = "DC0_C0_H0_VM0";
        var view = await d.VmAsync(vm);
        var page = d.Page;

        await d.Vm(vm).Locator(".name").ClickAsync();
        await Expect(page.Locator("#mob-path [data-path=object]")).ToHaveTextAsync($"VirtualMachine {vm}");
        await Expect(page.Locator("#mob-path [data-path=object]")).ToHaveAttributeAsync("title", view.Str("moId"));
        // The VM's folder is a reference the browser shows but does not open.
        await Expect(page.Locator("#mob-props tr[data-prop=parent] td.value span.ref")).ToHaveTextAsync("Folder vm");

        await page.Locator("#mob-props tr[data-prop=config] a.follow").ClickAsync();
        await Expect(page.Locator("#mob-props tr[data-prop=changeVersion] td.value")).ToHaveTextAsync("unset");

        await page.Locator("#mob-path [data-path=object]").ClickAsync();
        await page.Locator("#mob-props tr[data-prop=runtime] a.follow").ClickAsync();
        var hostLink = page.Locator("#mob-props tr[data-prop=host] td.value a.ref");
        await Expect(hostLink).ToHaveTextAsync($"HostSystem {view.Str("host")}");
        var hostId = await hostLink.GetAttributeAsync("title");
        hostId.Should().StartWith("host-");
        await hostLink.ClickAsync();
        await Expect(page.Locator("#mob-path [data-path=object]")).ToHaveTextAsync($"HostSystem {view.Str("host")}");
        await Expect(page.Locator("#mob-path [data-path=object]")).ToHaveAttributeAsync("title", hostId!);
        await Expect(page.Locator("#mob-props tr[data-prop=harnessCachedKeyIds]")).ToHaveCountAsync(1);
        d.ConsoleErrors.Should().BeEmpty();
    }
}
