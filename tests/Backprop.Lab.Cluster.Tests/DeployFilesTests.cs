using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Backprop.Tests.Shared;
using YamlDotNet.RepresentationModel;

namespace Backprop.Lab.Cluster.Tests;

/// <summary>
/// The deploy/ recipes, checked by parsing them: this machine kind has no Docker engine or Kubernetes cluster, so
/// these tests are what keeps the compose file, the manifests and the Dockerfile consistent with each other and
/// with what <c>lab</c> actually reads.
/// </summary>
public sealed partial class DeployFilesTests
{
    /// <summary>The environment variables <c>lab</c> reads (ClusterOptions.cs): LAB_ + the Cluster section's keys, and the password.</summary>
    private static readonly string[] ClusterKeys = ["Redis", "ClusterId", "ServiceId", "Address", "AdvertisedAddress", "SiloPort", "GatewayPort"];

    private static readonly HashSet<string> LabVariables =
        [.. ClusterKeys.Select(k => $"LAB_Cluster__{k}"), "LAB_REDIS_PASSWORD"];

    private const string MembershipPrefix = "LAB_Cluster__Membership__";

    private static readonly string Deploy = Path.Combine(Repository.Root(), "deploy");

    [Fact]
    public void ClusterOptionsStillReadsTheVariablesTheRecipesSet()
    {
        // A rename in lab's configuration must break this test, not the deployments.
        string source = File.ReadAllText(Path.Combine(Repository.Root(), "src", "Backprop.Lab.Cli", "Cluster", "ClusterOptions.cs"));
        Assert.Contains("\"LAB_REDIS_PASSWORD\"", source);
        Assert.Contains("EnvironmentPrefix = \"LAB_\"", source);
        Assert.Contains("GetSection(\"Cluster\")", source);
        Assert.Contains("GetSection(\"Membership\")", source);
        foreach (string key in ClusterKeys)
        {
            Assert.Contains($"\"{key}\"", source);
        }
    }

    [Fact]
    public void ComposeRunsRedisAndAtLeastTwoSilosThatUseIt()
    {
        YamlMappingNode services = Compose().Map("services");
        YamlMappingNode redis = services.Map("redis");
        Assert.StartsWith("redis:", redis.Text("image"), StringComparison.Ordinal);
        Assert.Contains("--appendonly yes", CommandLine(redis.Get("command")), StringComparison.Ordinal);

        YamlMappingNode silo = services.Map("silo");
        Dictionary<string, string> env = ComposeEnvironment(silo);
        (string host, string port) = HostPort(env["LAB_Cluster__Redis"]);
        Assert.True(services.Children.ContainsKey(host), $"LAB_Cluster__Redis names \"{host}\", which is not a compose service");
        Assert.Equal("redis", host);
        Assert.Equal("6379", port);
        int replicas = int.Parse(silo.Find("deploy")?.Find("replicas")?.ToString() ?? silo.Find("scale")?.ToString() ?? "1", System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(replicas >= 2, $"the silo service has {replicas} replica(s); a cluster needs at least 2");
        Assert.Equal("redis", Assert.Single(silo.Map("depends_on").Children).Key.ToString());
    }

    [Fact]
    public void ComposeSilosBindAllInterfacesAdvertiseTheirContainerAddressAndPublishNoPort()
    {
        YamlMappingNode services = Compose().Map("services");
        YamlMappingNode silo = services.Map("silo");
        Assert.Equal("0.0.0.0", ComposeEnvironment(silo)["LAB_Cluster__Address"]);
        string entrypoint = CommandLine(silo.Get("entrypoint"));
        Assert.Matches(@"\bdotnet lab\.dll silo\b", entrypoint);
        // $$ is compose's escape for a $ the container's shell expands.
        Assert.Contains("--advertise \"$$(hostname -i)\"", entrypoint, StringComparison.Ordinal);
        foreach (var (name, service) in services.Children)
        {
            Assert.False(((YamlMappingNode)service).Children.ContainsKey("ports"), $"compose service {name} publishes ports to the host");
        }
    }

    [Fact]
    public void ComposeSweepIsAProfiledClientOfTheSameClusterWritingToAVolume()
    {
        YamlMappingNode services = Compose().Map("services");
        YamlMappingNode sweep = services.Map("sweep");
        Assert.Contains("sweep", sweep.Seq("profiles").Select(p => p.ToString()));
        string[] args = sweep.Seq("command").Select(a => a.ToString()).ToArray();
        Assert.Equal("sweep", args[0]);
        Assert.True(File.Exists(Path.Combine(Repository.Root(), args[1])), $"the sweep file {args[1]} is not in the repository (the image copies experiments/)");
        Assert.Equal(ComposeEnvironment(services.Map("silo"))["LAB_Cluster__Redis"], ArgumentAfter(args, "--redis"));
        string output = ArgumentAfter(args, "--out");
        Assert.Contains(sweep.Seq("volumes").Select(v => v.ToString().Split(':')[1]), mount => output.StartsWith(mount + "/", StringComparison.Ordinal));
        AssertSameIds(ComposeEnvironment(services.Map("silo")), ComposeEnvironment(sweep), "compose sweep");
    }

    [Fact]
    public void SilosAndTheirClientsAuthenticateTheSameWayInEachRecipe()
    {
        // Containers share no user configuration, so each would create a cluster certificate of its own: the recipes
        // must say how members authenticate, and a client that differs from its silos is refused.
        YamlMappingNode services = Compose().Map("services");
        string composeSilo = CommandLine(services.Map("silo").Find("entrypoint")) + " " + CommandLine(services.Map("silo").Find("command"));
        string composeSweep = CommandLine(services.Map("sweep").Find("command"));
        YamlMappingNode Container(string kind, string name) =>
            Resource(kind, name).Map("spec").Map("template").Map("spec").Seq("containers").Cast<YamlMappingNode>().Single();
        string k8sSilo = CommandLine(Container("Deployment", "silo").Find("args"));
        string k8sSweep = CommandLine(Container("Job", "sweep-quickstart").Find("args"));
        foreach (var (where, silo, client) in new[] { ("compose", composeSilo, composeSweep), ("Kubernetes", k8sSilo, k8sSweep) })
        {
            Assert.True(silo.Contains("--insecure", StringComparison.Ordinal), $"the {where} silos neither share a certificate nor pass --insecure: {silo}");
            Assert.True(client.Contains("--insecure", StringComparison.Ordinal), $"the {where} sweep would be refused by its --insecure silos: {client}");
        }
    }

    [Fact]
    public void KubernetesResourcesEachHaveApiVersionKindAndName()
    {
        var resources = Manifests().ToList();
        Assert.NotEmpty(resources);
        foreach (var (file, resource) in resources)
        {
            Assert.False(string.IsNullOrWhiteSpace(resource.Find("apiVersion")?.ToString()), $"{file}: a resource without apiVersion");
            Assert.False(string.IsNullOrWhiteSpace(resource.Find("kind")?.ToString()), $"{file}: a resource without kind");
            Assert.False(string.IsNullOrWhiteSpace(resource.Find("metadata")?.Find("name")?.ToString()), $"{file}: a {resource.Text("kind")} without metadata.name");
        }
        Assert.Equal(resources.Count, resources.Select(r => (r.Resource.Text("kind"), r.Resource.Map("metadata").Text("name"))).Distinct().Count());
    }

    [Fact]
    public void KustomizationListsEveryManifestFile()
    {
        YamlMappingNode kustomization = Documents(Path.Combine(Deploy, "k8s", "kustomization.yaml")).Single();
        Assert.Equal("Kustomization", kustomization.Text("kind"));
        string[] listed = kustomization.Seq("resources").Select(r => r.ToString()).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(ManifestFiles().Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray(), listed);
    }

    [Fact]
    public void KubernetesSiloDeploymentIsReadyWhenItsGatewayAcceptsAndAdvertisesThePodIp()
    {
        YamlMappingNode deployment = Resource("Deployment", "silo");
        Assert.True(int.Parse(deployment.Map("spec").Text("replicas"), System.Globalization.CultureInfo.InvariantCulture) >= 2);
        YamlMappingNode pod = deployment.Map("spec").Map("template").Map("spec");
        Assert.True(int.Parse(pod.Text("terminationGracePeriodSeconds"), System.Globalization.CultureInfo.InvariantCulture) >= 30,
            "a silo needs time to leave the cluster cleanly on SIGTERM");
        YamlMappingNode container = Assert.Single(pod.Seq("containers").Cast<YamlMappingNode>());
        Assert.Equal("silo", container.Seq("args").Select(a => a.ToString()).First());

        Dictionary<string, YamlMappingNode> env = KubernetesEnvironment(container);
        int gatewayPort = env.TryGetValue("LAB_Cluster__GatewayPort", out YamlMappingNode? gp) ? int.Parse(gp.Text("value"), System.Globalization.CultureInfo.InvariantCulture) : 30000;
        int siloPort = env.TryGetValue("LAB_Cluster__SiloPort", out YamlMappingNode? sp) ? int.Parse(sp.Text("value"), System.Globalization.CultureInfo.InvariantCulture) : 11111;
        Assert.Equal(gatewayPort, ContainerPort(container, container.Map("readinessProbe").Map("tcpSocket").Text("port")));
        Assert.Equal(siloPort, ContainerPort(container, container.Map("livenessProbe").Map("tcpSocket").Text("port")));

        Assert.Equal("0.0.0.0", env["LAB_Cluster__Address"].Text("value"));
        Assert.Equal("status.podIP", env["LAB_Cluster__AdvertisedAddress"].Map("valueFrom").Map("fieldRef").Text("fieldPath"));
        YamlMappingNode secret = env["LAB_REDIS_PASSWORD"].Map("valueFrom").Map("secretKeyRef");
        Assert.Equal("true", secret.Text("optional"));

        (string host, string port) = HostPort(env["LAB_Cluster__Redis"].Text("value"));
        YamlMappingNode service = Resource("Service", host);
        Assert.Contains(service.Map("spec").Seq("ports").Cast<YamlMappingNode>(), p => p.Text("port") == port);

        YamlMappingNode resources = container.Map("resources");
        Assert.NotNull(resources.Map("requests").Find("cpu"));
        Assert.NotNull(resources.Map("limits").Find("memory"));
    }

    [Fact]
    public void KubernetesRedisServiceSelectsAnAppendOnlyRedisPod()
    {
        YamlMappingNode deployment = Resource("Deployment", "redis");
        YamlMappingNode template = deployment.Map("spec").Map("template");
        YamlMappingNode container = Assert.Single(template.Map("spec").Seq("containers").Cast<YamlMappingNode>());
        Assert.StartsWith("redis:", container.Text("image"), StringComparison.Ordinal);
        Assert.Contains("--appendonly yes", CommandLine(container.Get("command")) + " " + CommandLine(container.Get("args")), StringComparison.Ordinal);

        YamlMappingNode labels = template.Map("metadata").Map("labels");
        YamlMappingNode selector = Resource("Service", "redis").Map("spec").Map("selector");
        foreach (var (key, value) in selector.Children)
        {
            Assert.Equal(value.ToString(), labels.Find(key.ToString())?.ToString());
        }
        // The data volume is a claim that exists in the manifests (or an emptyDir).
        YamlMappingNode volume = Assert.Single(template.Map("spec").Seq("volumes").Cast<YamlMappingNode>());
        if (volume.Find("persistentVolumeClaim") is YamlMappingNode claim)
        {
            Assert.NotNull(Resource("PersistentVolumeClaim", claim.Text("claimName")));
        }
        else
        {
            Assert.NotNull(volume.Find("emptyDir"));
        }
    }

    [Fact]
    public void KubernetesJobRunsASweepOnTheSilosClusterIntoAVolume()
    {
        YamlMappingNode job = Resource("Job", "sweep-quickstart");
        YamlMappingNode pod = job.Map("spec").Map("template").Map("spec");
        YamlMappingNode container = Assert.Single(pod.Seq("containers").Cast<YamlMappingNode>());
        string[] args = container.Seq("args").Select(a => a.ToString()).ToArray();
        Assert.Equal("sweep", args[0]);
        Assert.True(File.Exists(Path.Combine(Repository.Root(), args[1])), $"the sweep file {args[1]} is not in the repository (the image copies experiments/)");

        YamlMappingNode siloContainer = Resource("Deployment", "silo").Map("spec").Map("template").Map("spec").Seq("containers").Cast<YamlMappingNode>().Single();
        Dictionary<string, string> siloEnv = KubernetesEnvironment(siloContainer).Where(e => e.Value.Find("value") is not null).ToDictionary(e => e.Key, e => e.Value.Text("value"));
        Assert.Equal(siloEnv["LAB_Cluster__Redis"], ArgumentAfter(args, "--redis"));
        Dictionary<string, string> jobEnv = KubernetesEnvironment(container).Where(e => e.Value.Find("value") is not null).ToDictionary(e => e.Key, e => e.Value.Text("value"));
        AssertSameIds(siloEnv, jobEnv, "the sweep Job");

        string output = ArgumentAfter(args, "--out");
        YamlMappingNode mount = Assert.Single(container.Seq("volumeMounts").Cast<YamlMappingNode>(), m => output.StartsWith(m.Text("mountPath") + "/", StringComparison.Ordinal));
        Assert.Contains(pod.Seq("volumes").Cast<YamlMappingNode>(), v => v.Text("name") == mount.Text("name"));
        Assert.Contains(pod.Text("restartPolicy"), new[] { "Never", "OnFailure" });
    }

    [Fact]
    public void EveryVariableGivenToLabIsOneLabReads()
    {
        var containers = new List<(string Where, IEnumerable<string> Names)>();
        YamlMappingNode services = Compose().Map("services");
        foreach (string name in new[] { "silo", "sweep" })
        {
            containers.Add(($"compose service {name}", ComposeEnvironment(services.Map(name)).Keys));
        }
        foreach (var (file, resource) in Manifests())
        {
            foreach (YamlMappingNode container in PodSpec(resource)?.Seq("containers").Cast<YamlMappingNode>() ?? [])
            {
                if (container.Text("image").StartsWith("backprop-lab", StringComparison.Ordinal))
                {
                    containers.Add(($"{file} {resource.Map("metadata").Text("name")}", KubernetesEnvironment(container).Keys));
                }
            }
        }
        Assert.Equal(4, containers.Count);
        foreach (var (where, names) in containers)
        {
            Assert.NotEmpty(names);
            foreach (string name in names)
            {
                bool known = LabVariables.Contains(name)
                    || (name.StartsWith(MembershipPrefix, StringComparison.Ordinal)
                        && typeof(Orleans.Configuration.ClusterMembershipOptions).GetProperty(name[MembershipPrefix.Length..]) is not null);
                Assert.True(known, $"{where} sets {name}, which `lab` does not read (it reads {string.Join(", ", LabVariables.Order(StringComparer.Ordinal))} and {MembershipPrefix}<ClusterMembershipOptions property>)");
            }
        }
    }

    [Fact]
    public void RecipesUseOnlyOptionsLabAccepts()
    {
        HashSet<string> silo = HelpOptions("silo"), sweep = HelpOptions("sweep");
        YamlMappingNode services = Compose().Map("services");
        var uses = new List<(string Where, string CommandLine, HashSet<string> Accepted)>
        {
            ("compose silo entrypoint", CommandLine(services.Map("silo").Get("entrypoint")), silo),
            ("compose sweep command", CommandLine(services.Map("sweep").Get("command")), sweep),
            ("k8s silo args", CommandLine(Resource("Deployment", "silo").Map("spec").Map("template").Map("spec").Seq("containers").Cast<YamlMappingNode>().Single().Get("args")), silo),
            ("k8s sweep Job args", CommandLine(Resource("Job", "sweep-quickstart").Map("spec").Map("template").Map("spec").Seq("containers").Cast<YamlMappingNode>().Single().Get("args")), sweep),
        };
        foreach (var (where, commandLine, accepted) in uses)
        {
            foreach (Match option in OptionPattern().Matches(commandLine))
            {
                Assert.True(accepted.Contains(option.Value), $"{where} uses {option.Value}, which `lab` does not accept");
            }
        }
        Assert.Contains("--advertise", silo);
        Assert.Contains("--redis", sweep);
    }

    [Fact]
    public void DockerfileBuildsTheCliAndItsEntrypointRunsLabDll()
    {
        string[] lines = Dockerfile();
        string[] from = lines.Where(l => l.StartsWith("FROM ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(2, from.Length);
        Assert.StartsWith("FROM mcr.microsoft.com/dotnet/sdk:10.0 ", from[0], StringComparison.Ordinal);
        // The runtime image must hold every shared framework lab.runtimeconfig.json names: lab references ASP.NET Core
        // (for `lab silo --dashboard`), which the plain runtime image lacks, so `dotnet lab.dll` would not start there.
        Assert.StartsWith("FROM mcr.microsoft.com/dotnet/", from[1], StringComparison.Ordinal);
        string image = from[1]["FROM mcr.microsoft.com/dotnet/".Length..].Split(':')[0];
        string[] provided = image switch
        {
            "runtime" => ["Microsoft.NETCore.App"],
            "aspnet" => ["Microsoft.NETCore.App", "Microsoft.AspNetCore.App"],
            _ => [],
        };
        using JsonDocument runtimeConfig = JsonDocument.Parse(File.ReadAllText(Path.ChangeExtension(LabProcess.LabDll, ".runtimeconfig.json")));
        string[] needed = runtimeConfig.RootElement.GetProperty("runtimeOptions").GetProperty("frameworks").EnumerateArray()
            .Select(f => f.GetProperty("name").GetString()!).ToArray();
        Assert.Contains("Microsoft.AspNetCore.App", needed);
        Assert.All(needed, framework => Assert.Contains(framework, provided));
        Assert.Contains(lines, l => l.StartsWith("RUN dotnet publish src/Backprop.Lab.Cli/Backprop.Lab.Cli.csproj -c Release", StringComparison.Ordinal));
        string entrypoint = Assert.Single(lines, l => l.StartsWith("ENTRYPOINT ", StringComparison.Ordinal));
        Assert.Equal(new[] { "dotnet", "lab.dll" }, JsonSerializer.Deserialize<string[]>(entrypoint["ENTRYPOINT ".Length..]));
        // The published assembly is lab.dll because the project says so.
        Assert.Contains("<AssemblyName>lab</AssemblyName>", File.ReadAllText(Path.Combine(Repository.Root(), "src", "Backprop.Lab.Cli", "Backprop.Lab.Cli.csproj")));
    }

    [Fact]
    public void DockerfileCopiesEveryProjectTheCliDependsOnBeforeRestoring()
    {
        string root = Repository.Root();
        string[] lines = Dockerfile();
        int restore = Array.FindIndex(lines, l => l.StartsWith("RUN dotnet restore", StringComparison.Ordinal));
        Assert.True(restore > 0, "the Dockerfile has no restore step");
        var copiedBeforeRestore = lines[..restore].Where(l => l.StartsWith("COPY ", StringComparison.Ordinal))
            .SelectMany(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..^1]).ToHashSet(StringComparer.Ordinal);

        var projects = new SortedSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([Path.Combine(root, "src", "Backprop.Lab.Cli", "Backprop.Lab.Cli.csproj")]);
        while (pending.TryPop(out string? project))
        {
            if (projects.Add(Path.GetRelativePath(root, project).Replace('\\', '/')))
            {
                foreach (Match reference in ProjectReferencePattern().Matches(File.ReadAllText(project)))
                {
                    pending.Push(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(project)!, reference.Groups[1].Value.Replace('\\', '/'))));
                }
            }
        }
        Assert.True(projects.Count >= 5, $"found only {string.Join(", ", projects)}");
        foreach (string project in projects.Append("Directory.Build.props").Append("Directory.Packages.props"))
        {
            Assert.Contains(project, copiedBeforeRestore);
        }
        // Every path the build copies exists (a renamed folder breaks the image build, which no test here runs).
        foreach (string line in lines.Where(l => l.StartsWith("COPY ", StringComparison.Ordinal) && !l.Contains("--from=", StringComparison.Ordinal)))
        {
            foreach (string source in line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..^1])
            {
                Assert.True(File.Exists(Path.Combine(root, source)) || Directory.Exists(Path.Combine(root, source)), $"Dockerfile copies {source}, which is not in the repository");
            }
        }
    }

    [Fact]
    public void LocalClusterScriptIsValidBash()
    {
        using var bash = Process.Start(new ProcessStartInfo("bash", ["-n", Path.Combine(Deploy, "local-cluster.sh")]) { RedirectStandardError = true })!;
        string errors = bash.StandardError.ReadToEnd();
        Assert.True(bash.WaitForExit(30_000), "bash -n did not finish");
        Assert.True(bash.ExitCode == 0, $"bash -n deploy/local-cluster.sh: {errors}");
    }

    // ---- helpers

    private static YamlMappingNode Compose() => Documents(Path.Combine(Deploy, "compose.yaml")).Single();

    private static string[] Dockerfile() =>
        File.ReadAllLines(Path.Combine(Deploy, "Dockerfile")).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToArray();

    private static IEnumerable<string> ManifestFiles() =>
        Directory.EnumerateFiles(Path.Combine(Deploy, "k8s"), "*.yaml").Where(f => Path.GetFileName(f) != "kustomization.yaml");

    private static IEnumerable<(string File, YamlMappingNode Resource)> Manifests() =>
        ManifestFiles().SelectMany(f => Documents(f).Select(d => (Path.GetFileName(f), d)));

    private static YamlMappingNode Resource(string kind, string name) =>
        Manifests().Select(m => m.Resource).SingleOrDefault(r => r.Find("kind")?.ToString() == kind && r.Find("metadata")?.Find("name")?.ToString() == name)
        ?? throw new Xunit.Sdk.XunitException($"deploy/k8s has no {kind} named {name}");

    private static IEnumerable<YamlMappingNode> Documents(string file)
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(file))
        {
            stream.Load(reader);
        }
        return stream.Documents.Where(d => d.RootNode is not YamlScalarNode { Value: null or "" })
            .Select(d => d.RootNode as YamlMappingNode ?? throw new Xunit.Sdk.XunitException($"{file}: a document that is not a mapping"));
    }

    private static YamlMappingNode? PodSpec(YamlMappingNode resource) => resource.Text("kind") switch
    {
        "Deployment" or "Job" => resource.Map("spec").Map("template").Map("spec"),
        "Pod" => resource.Map("spec"),
        _ => null,
    };

    private static Dictionary<string, string> ComposeEnvironment(YamlMappingNode service) => service.Find("environment") switch
    {
        YamlMappingNode map => map.Children.ToDictionary(e => e.Key.ToString(), e => e.Value.ToString()),
        YamlSequenceNode list => list.Select(e => e.ToString().Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : ""),
        _ => new(),
    };

    private static Dictionary<string, YamlMappingNode> KubernetesEnvironment(YamlMappingNode container) =>
        (container.Find("env") as YamlSequenceNode ?? new YamlSequenceNode()).Cast<YamlMappingNode>().ToDictionary(e => e.Text("name"));

    private static int ContainerPort(YamlMappingNode container, string port) =>
        int.TryParse(port, out int number) ? number
            : int.Parse(container.Seq("ports").Cast<YamlMappingNode>().Single(p => p.Find("name")?.ToString() == port).Text("containerPort"), System.Globalization.CultureInfo.InvariantCulture);

    private static void AssertSameIds(Dictionary<string, string> silo, Dictionary<string, string> client, string where)
    {
        foreach (string key in new[] { "LAB_Cluster__ClusterId", "LAB_Cluster__ServiceId" })
        {
            // A client with other ids than the silos is refused: both sides say the same, or neither (the default).
            Assert.True(silo.GetValueOrDefault(key) == client.GetValueOrDefault(key), $"{where} has {key}={client.GetValueOrDefault(key)}, the silos {silo.GetValueOrDefault(key)}");
        }
    }

    private static (string Host, string Port) HostPort(string endpoint)
    {
        int colon = endpoint.LastIndexOf(':');
        Assert.True(colon > 0, $"\"{endpoint}\" is not HOST:PORT");
        return (endpoint[..colon], endpoint[(colon + 1)..]);
    }

    private static string ArgumentAfter(string[] args, string option)
    {
        int at = Array.IndexOf(args, option);
        Assert.True(at >= 0 && at + 1 < args.Length, $"{option} is not given in: {string.Join(' ', args)}");
        return args[at + 1];
    }

    private static string CommandLine(YamlNode? node) => node switch
    {
        YamlSequenceNode list => string.Join(' ', list.Select(n => n.ToString())),
        YamlScalarNode scalar => scalar.Value ?? "",
        null => "",
        _ => throw new Xunit.Sdk.XunitException($"a command is neither a string nor a list: {node}"),
    };

    /// <summary>The long options `lab COMMAND --help` lists.</summary>
    private static HashSet<string> HelpOptions(string command)
    {
        using LabProcess lab = LabProcess.Start([command, "--help"]);
        Assert.Equal(0, lab.WaitForExit(TimeSpan.FromMinutes(2)));
        var options = HelpOptionPattern().Matches(lab.Output).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        Assert.Contains("--help", options);
        return options;
    }

    [GeneratedRegex(@"(?<![\w-])--[a-z][a-z-]*")]
    private static partial Regex OptionPattern();

    /// <summary>An option line of System.CommandLine's help, e.g. "  -j, --parallel &lt;N&gt;  Trials ...": its long name.</summary>
    [GeneratedRegex(@"^\s+(?:-[\w?], )*(--[a-z][a-z-]*)", RegexOptions.Multiline)]
    private static partial Regex HelpOptionPattern();

    [GeneratedRegex(@"<ProjectReference\s+Include=""([^""]+)""")]
    private static partial Regex ProjectReferencePattern();
}

/// <summary>Short paths through YamlDotNet's representation model that fail with the key that was missing.</summary>
internal static class YamlNodes
{
    public static YamlNode? Find(this YamlNode node, string key) =>
        node is YamlMappingNode map && map.Children.TryGetValue(new YamlScalarNode(key), out YamlNode? value) ? value : null;

    public static YamlNode Get(this YamlMappingNode node, string key) =>
        node.Find(key) ?? throw new Xunit.Sdk.XunitException($"no \"{key}\" in {Describe(node)}");

    public static YamlMappingNode Map(this YamlMappingNode node, string key) =>
        node.Get(key) as YamlMappingNode ?? throw new Xunit.Sdk.XunitException($"\"{key}\" is not a mapping in {Describe(node)}");

    public static YamlSequenceNode Seq(this YamlMappingNode node, string key) =>
        node.Get(key) as YamlSequenceNode ?? throw new Xunit.Sdk.XunitException($"\"{key}\" is not a list in {Describe(node)}");

    public static string Text(this YamlMappingNode node, string key) =>
        (node.Get(key) as YamlScalarNode)?.Value ?? throw new Xunit.Sdk.XunitException($"\"{key}\" is not a scalar in {Describe(node)}");

    private static string Describe(YamlNode node) => $"the node at line {node.Start.Line}";
}
