// The chat client: to be built (issue 10).
import { render } from 'preact';

render(<h1>Chat</h1>, document.getElementById('app')!);
