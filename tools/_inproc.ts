import { runProgram } from "./harness";
import { loadProgram } from "./plan";
import { baselineProgram, flatResources, scenarioConfig, COST_SCENARIOS } from "./bench/scenarios";
(async () => {
  const program = loadProgram();
  for (const id of process.argv.slice(2)) {
    const sc = COST_SCENARIOS.find(s => s.id === id)!;
    const { stack, config } = scenarioConfig(sc);
    const ours = await runProgram(program, { stack, config: { ...config } });
    const base = baselineProgram(flatResources(ours));
    const cpu = async (p: any, cfg: any) => { const c0 = process.cpuUsage(); const r = await runProgram(p, { stack, config: { ...cfg } }); if (r.error) throw r.error; const c = process.cpuUsage(c0); return (c.user + c.system) / 1000; };
    for (let i = 0; i < 3; i++) { await cpu(program, config); await cpu(base, { "aws:region": "us-east-1" }); }
    const ratios: number[] = []; let a = 0, b = 0;
    for (let i = 0; i < 15; i++) {
      const x = await cpu(program, config); const y = await cpu(base, { "aws:region": "us-east-1" });
      ratios.push(x / y); a += x; b += y;
    }
    ratios.sort((p, q) => p - q);
    console.log(id, "median ratio", ratios[7].toFixed(3), "sum ratio", (a / b).toFixed(3), "ours ms", (a / 15).toFixed(0), "base ms", (b / 15).toFixed(0));
  }
})();
