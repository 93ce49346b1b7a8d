import 'fullcalendar/skeleton.css';
import 'fullcalendar/themes/classic/theme.css';
import 'fullcalendar/themes/classic/palette.css';
import './styles.css';
import { App } from './app';

void new App(document.getElementById('app')!).start();
