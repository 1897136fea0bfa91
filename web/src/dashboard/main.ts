// The live dashboard: to be built (issue 10).
const root = document.getElementById('dashboard')!;
root.textContent = 'Dashboard';
